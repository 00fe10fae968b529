"""The printer registry (drivers/printer/registry.py, docs/adr/0231): "cups" built in, the rest installed.

The lab fills the registry with "sim" through the entry-point group
`mpp_station.printer_drivers`; the drivers name no simulator.
"""

from __future__ import annotations

import ast
import sys
import types
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from drivers.errors import DeviceConfigError
from drivers.printer import open_printer, registry
from drivers.printer.settings import PrinterSettings
from simulators.printer import SimPrinter

ROOT = Path(__file__).resolve().parents[2]


class Installed:
    """`entry_points(group=..., name=...)` over a fixed list of entry points."""

    def __init__(self, *points: EntryPoint) -> None:
        self.points = points

    def __call__(self, *, group: str, name: str | None = None) -> list[EntryPoint]:
        return [p for p in self.points if p.group == group and (name is None or p.name == name)]


def test_an_installed_driver_is_opened_with_the_settings_and_the_base_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    opened: list[Any] = []
    module = types.ModuleType("fake_printer_driver")
    module.open_fake = lambda settings, base_dir: opened.append((settings, base_dir)) or "a printer"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "fake_printer_driver", module)
    monkeypatch.setattr(registry, "entry_points",
                        Installed(EntryPoint("fake", "fake_printer_driver:open_fake", registry.GROUP),
                                  EntryPoint("other", "nowhere:at_all", "another.group")))
    settings = PrinterSettings()
    assert registry.opener("fake")(settings, tmp_path) == "a printer" and opened == [(settings, tmp_path)]
    assert set(registry.installed()) == {"cups", "fake"}


def test_cups_is_built_in_and_cannot_be_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "entry_points", Installed(EntryPoint("cups", "nowhere:at_all", registry.GROUP)))
    assert registry.opener("cups") is registry.BUILT_IN["cups"]


def test_a_driver_nobody_installed_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "entry_points", Installed())
    with pytest.raises(DeviceConfigError, match="no printer driver 'sim' is installed \\(installed: cups\\)"):
        registry.opener("sim")


def test_driver_sim_is_the_labs_printer_from_its_entry_point(tmp_path: Path) -> None:
    """`driver = "sim"` as `make demo` and the tests use it, through the installed entry point."""
    printer = open_printer(PrinterSettings(driver="sim", sim_output="tray.jsonl", pages_per_minute=60),
                           base_dir=tmp_path)
    assert isinstance(printer, SimPrinter) and printer.pages_per_minute == 60
    assert printer.output_log == tmp_path / "tray.jsonl"


def test_the_drivers_name_no_simulator() -> None:
    """The factory used to import `simulators.printer` for "sim": no module of drivers/ imports the lab."""
    found = []
    for path in sorted((ROOT / "drivers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(ROOT)}: {n}" for n in names if n.split(".")[0] == "simulators"]
    assert found == []
