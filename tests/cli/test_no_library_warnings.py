"""No library's warning reaches a person's screen: not in `--help`, not in an error, not at start.

A library that deprecates something tomorrow (cryptography 51 did, for DSA,
the moment pyHanko is imported) must not put two lines of its own on the
screen of `station run`, nor break a test that reads standard error. The
child runs with `-W always`, so every warning that is not filtered shows;
ours and Python's own still do.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration

WALK = r"""
import argparse, contextlib, importlib, io, pkgutil, sys, warnings
from station.cli import build_parser, main

def leaves(parser, prefix=()):
    groups = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not groups:
        yield prefix
    for group in groups:
        for name, child in group.choices.items():
            yield from leaves(child, (*prefix, name))

for words in leaves(build_parser()):
    for argv in ([*words, "--help"], [*words, "--no-such-option"]):
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                main(argv)
            except SystemExit:
                pass
main(["run", "--config", "/nonexistent/station.toml"])
# Everything the daemon, the web process and the render worker load, pyHanko's signers included.
for package in ("station", "spool", "drivers"):
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        importlib.import_module(info.name)
print("walked", flush=True)
warnings.warn("ours still shows", UserWarning)
"""


def test_no_command_and_no_module_puts_a_library_warning_on_the_screen() -> None:
    done = subprocess.run([sys.executable, "-W", "always", "-c", WALK], capture_output=True, text=True,
                          timeout=240, stdin=subprocess.DEVNULL)
    assert "walked" in done.stdout, done.stderr[-3000:]
    warned = [line for line in done.stderr.splitlines() if "Warning" in line]
    assert len(warned) == 1 and warned[0].endswith("UserWarning: ours still shows"), warned


# (issue 25) Not only kept off the screen: the DSA notice is not raised at all. With every filter gone (the
# warning policy's too) and warnings as errors, pyHanko still loads for the station, the lab and the tests.
AT_THE_SOURCE = r"""
import warnings
import station
warnings.resetwarnings()
warnings.simplefilter("error")
import station.signedpdf.verify, simulators.backoffice.signing
print("loaded", flush=True)
"""


def test_pyhanko_loads_without_the_dsa_notice_even_with_no_filter() -> None:
    done = subprocess.run([sys.executable, "-c", AT_THE_SOURCE], capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.stdout.strip() == "loaded" and done.stderr == "", done.stderr[-3000:]
