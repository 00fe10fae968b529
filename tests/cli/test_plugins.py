"""Commands plugged into `station` through the entry-point group (`station/cli/plugins.py`, docs/adr/0230).

The simulation lab's `sim` and `simulate` come in this way: the product names
no lab module, and loads one only when the command line may need it.
"""

from __future__ import annotations

import argparse
import ast
import subprocess
import sys
import types
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from station.cli import build_parser, main, plugins

ROOT = Path(__file__).resolve().parents[2]

# In a fresh interpreter: `station run --help`, then the parser of every product command; the
# simulators modules loaded (a list), then the plugged-in command names the full parser has.
PRODUCT_COMMANDS_LOAD_NO_LAB = """\
import argparse, sys
from station.cli import build_parser, main, plugins
try:
    main(["run", "--help"])
except SystemExit:
    pass
after_run = sorted(m for m in sys.modules if m.split(".")[0] == "simulators")
parser = build_parser(["run"])
product = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices
for word in sorted(product):
    build_parser([word, "--help"])
after_all = sorted(m for m in sys.modules if m.split(".")[0] == "simulators")
print(repr((after_run, after_all, sorted(p.name for p in plugins.installed()))))
"""


def _choices(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices


@pytest.mark.integration
def test_station_run_help_loads_no_simulators_module() -> None:
    done = subprocess.run([sys.executable, "-c", PRODUCT_COMMANDS_LOAD_NO_LAB], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    after_run, after_all, installed = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    assert after_run == [], "station run --help loaded the lab"
    assert after_all == [], "a product command loaded the lab"
    assert {"sim", "simulate"} <= set(installed), "make setup (pip install -e .) registers the lab's commands"


@pytest.mark.integration
def test_station_simulate_and_sim_come_from_the_entry_points() -> None:
    for words, says in ((["simulate", "--help"], "usage: station simulate"), (["sim", "bus", "--help"],
                                                                                 "usage: station sim bus")):
        done = subprocess.run([sys.executable, "-c", "from station.cli import entry; entry()", *words],
                              capture_output=True, text=True, timeout=120, cwd=ROOT)
        assert done.returncode == 0 and done.stdout.startswith(says), done.stderr


class FakePoints:
    """`entry_points(group=...)` with one fake command `hello` whose loads are counted."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.loads: list[str] = []
        module = types.ModuleType("fake_lab_commands")

        def register(commands: argparse._SubParsersAction) -> None:
            self.loads.append("hello")
            commands.add_parser("hello", help="a plugged-in command").set_defaults(run=lambda args: 7)

        def register_run(commands: argparse._SubParsersAction) -> None:
            self.loads.append("run")
            commands.add_parser("run-again")

        module.register = register  # type: ignore[attr-defined]
        module.register_run = register_run  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "fake_lab_commands", module)
        self.points = [EntryPoint("hello", "fake_lab_commands:register", plugins.GROUP),
                       EntryPoint("run", "fake_lab_commands:register_run", plugins.GROUP)]
        monkeypatch.setattr(plugins, "entry_points", self)

    def __call__(self, *, group: str) -> list[EntryPoint]:
        assert group == plugins.GROUP
        return self.points


def test_a_plugged_in_command_runs_and_a_product_command_loads_no_plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakePoints(monkeypatch)
    assert "hello" not in _choices(build_parser(["run", "--help"])) and fake.loads == []
    assert "hello" not in _choices(build_parser(["--config", "x.toml", "spool", "list"])) and fake.loads == []
    assert main(["hello"]) == 7 and fake.loads == ["hello"]


def test_the_command_list_shows_the_plugins_and_none_replaces_a_product_command(
        monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakePoints(monkeypatch)
    for argv in ([], ["--help"], ["--config", "x.toml"], ["no-such-command"], None):
        fake.loads.clear()
        choices = _choices(build_parser(argv))
        assert "hello" in choices and "run-again" not in choices and fake.loads == ["hello"], argv


@pytest.mark.parametrize(("argv", "word"), [
    (["run"], "run"), (["--config", "s.toml", "run", "--help"], "run"), (["--config=s.toml", "sim", "bus"], "sim"),
    ([], None), (["--help", "run"], None), (["-h"], None), (["--version"], None)])
def test_the_command_word(argv: list[str], word: str | None) -> None:
    assert plugins.command_word(argv) == word


def test_the_product_names_no_lab_module_not_even_as_a_string() -> None:
    """No string in station/, drivers/ or spool/ names a `simulators.` module (importlib, a list of names)."""
    found = []
    for package in ("station", "drivers", "spool"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                        and node.value.lstrip().startswith("simulators."):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value!r}")
    assert found == []


def test_a_lab_commands_error_is_one_line_and_its_exit_code(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    """`station sim bus` raises the lab's own error; the command line says it as it says its own."""
    code = main(["sim", "bus", "--boards", "17", "--link", str(tmp_path / "bus"), "--quiet"])
    assert code == 2
    assert capsys.readouterr().err == "station: error: a cu16 bus has at most 16 boards of at most 16 locks\n"
