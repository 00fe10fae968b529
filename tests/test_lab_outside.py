"""The simulation lab stands outside the product (issue 23, docs/adr/0230-0232).

Read from the sources and pyproject.toml: the device simulators import nothing
of the station, the lab has its own errors, no two lab modules import each
other, and the import contracts need no exceptions.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from simulators.cli.common import reported
from simulators.errors import SimulatorError
from station.errors import StationError

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "simulators"
# The harness (it drives a whole station) and the lab's commands (they plug into `station`) may
# import the product; every other module of the lab stands beside it.
MAY_IMPORT_THE_PRODUCT = ("simulators/station/", "simulators/fleet/", "simulators/cli/", "simulators/backoffice/")
DEVICE_SIMULATORS = ("simulators/lockbus/", "simulators/scanner.py", "simulators/printer.py",
                     "simulators/backoffice/")


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of each import in `path`, relative ones resolved."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.lineno, node.module or ""
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            if node.module:
                yield node.lineno, f"{base}.{node.module}"
            else:  # `from . import complaints`: the module complaints
                yield from ((node.lineno, f"{base}.{a.name}") for a in node.names)


def lab_files() -> list[Path]:
    return sorted(LAB.rglob("*.py"))


def test_lab_modules_beside_the_station_import_nothing_of_it() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {name}" for path in lab_files()
             if not str(path.relative_to(ROOT)).startswith(MAY_IMPORT_THE_PRODUCT)
             for line, name in imports(path) if name.split(".")[0] == "station"]
    assert found == []


def test_device_simulators_neither_raise_the_stations_errors_nor_use_its_command_line() -> None:
    found = [f"{path.relative_to(ROOT)}:{line}: {name}" for path in lab_files()
             if str(path.relative_to(ROOT)).startswith(DEVICE_SIMULATORS)
             for line, name in imports(path) if name in ("station.errors", "station.cli.common")]
    assert found == []


def test_no_circle_of_imports_in_the_lab() -> None:
    """The lock bus's firmware names its bus by a Protocol: `sim.py` imports the firmware, not back."""
    graph: dict[str, set[str]] = {}
    for path in lab_files():
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        graph.setdefault(module, set()).update(n for _, n in imports(path) if n.startswith("simulators.") and n != module)
    circles = []

    def visit(module: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(module, ())):
            if nxt in path:
                circles.append(path[path.index(nxt):] + [nxt])
            elif nxt not in seen:
                seen.add(nxt)
                visit(nxt, [*path, nxt])

    seen: set[str] = set()
    for start in sorted(graph):
        if start not in seen:
            seen.add(start)
            visit(start, [start])
    assert circles == []


def test_a_lab_error_reaches_the_command_line_as_one_reported_line() -> None:
    def run(args: object) -> int:
        raise SimulatorError("the lab cannot", exit_code=4)

    with pytest.raises(StationError, match="^the lab cannot$") as raised:
        reported(run)(None)  # type: ignore[arg-type]
    assert raised.value.exit_code == 4 and not isinstance(SimulatorError("x"), StationError)


def test_the_import_contracts_need_no_exceptions_and_keep_the_lab_out() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = project["tool"]["importlinter"]["contracts"]
    assert all(not c.get("ignore_imports") for c in contracts)
    assert all(c.get("unmatched_ignore_imports_alerting", "error") == "error" for c in contracts)
    forbidding_the_lab = {source for c in contracts if "simulators" in c.get("forbidden_modules", [])
                          for source in c["source_modules"]}
    assert {"station", "drivers", "spool"} <= forbidding_the_lab
    points = project["project"]["entry-points"]
    assert set(points["mpp_station.commands"]) == {"sim", "simulate"}
    assert points["mpp_station.printer_drivers"]["sim"].startswith("simulators.")
