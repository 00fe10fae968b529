"""`station ...` starts fast: building the parser imports no heavy library.

Each command imports what it needs (fastapi, reportlab, pypdf, zxing-cpp, pycups, httpx, ...) when it
runs, not when its module is imported: every command module is imported to build the argparse tree.
The checks run in a fresh interpreter, so that nothing the test session loaded counts.
"""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

HEAVY = ("fastapi", "reportlab", "pypdf", "zxingcpp", "cups", "httpx", "uvicorn", "starlette")

# What `station.cli.serve_cmd` still pulls in at import: it imports `station.web.serve` (uvicorn at its
# top, and the `station.web` package), and `station/web/__init__.py` imports `create_app` (fastapi,
# starlette). (`station.cli.users_cmd` imports `spool.users`: nothing of the web.)
WEB_REMAINING = {"fastapi", "starlette", "uvicorn"}

# The command modules that must import nothing heavy on their own.
OWNED = [
    "station.cli.template_cmd", "station.cli.render_cmd", "station.cli.seal_cmd", "station.cli.printer_cmd",
    "station.cli.import_cmd", "simulators.cli.sim_printer_cmd", "simulators.cli.sim_backoffice_cmd",
    "station.cli.locker_cmd", "station.cli.scan_cmd", "station.cli.keys_cmd", "simulators.cli.sim_cmd",
    "station.cli.token_cmd", "station.cli.audit_cmd",
]

BUILD_PARSER = ("import sys, station.cli; station.cli.build_parser(); "
                f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))")

REGISTER_OWNED = f"""\
import argparse, importlib, sys
commands = argparse.ArgumentParser(prog="station").add_subparsers()
for name in {OWNED!r}:
    module = importlib.import_module(name)
    if hasattr(module, "register"):  # sim_printer_cmd and sim_backoffice_cmd: through sim_cmd
        module.register(commands)
print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))
"""


def heavy_modules(code: str) -> list[str]:
    """The heavy modules loaded by `code` in a fresh interpreter (it prints them as a list)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def packages(modules: list[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.fixture(scope="module")
def parser_imports() -> list[str]:
    return heavy_modules(BUILD_PARSER)


def test_owned_command_modules_import_nothing_heavy() -> None:
    """Importing (and registering) the command modules other than serve and users loads none of them."""
    assert heavy_modules(REGISTER_OWNED) == []


def test_parser_loads_no_rendering_printing_or_http_client(parser_imports: list[str]) -> None:
    """The whole parser: no reportlab, pypdf, zxing-cpp, pycups or httpx, whatever the web commands do."""
    assert packages(parser_imports) & {"reportlab", "pypdf", "zxingcpp", "cups", "httpx"} == set()


def test_parser_heavy_imports_are_only_the_web_commands(parser_imports: list[str]) -> None:
    """What remains comes from serve_cmd and users_cmd, and nothing else."""
    assert packages(parser_imports) <= WEB_REMAINING


def test_parser_loads_nothing_heavy(parser_imports: list[str]) -> None:
    assert parser_imports == []
