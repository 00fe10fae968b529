"""`station sim ...`: device simulators on pseudo-terminals, for technicians, tests and demos.

Each module in `SIM_MODULES` has `register_sim(group)`, which adds its own
subcommand to `station sim`; a new simulator is one line here.
"""

from __future__ import annotations

import argparse
import importlib

from .common import add_group

SIM_MODULES = [
    "simulators.cli.sim_bus_cmd",
    "simulators.cli.sim_scanner_cmd",
    "simulators.cli.sim_printer_cmd",
    "simulators.cli.sim_backoffice_cmd",
    "simulators.cli.sim_jack_cmd",
]

DESCRIPTION = """\
Run a simulated device whose serial end is a symlink to a pseudo-terminal, so
that the station (or `station locker ...`, `station scan`) talks to it as to
real hardware. Each runs until interrupted (Ctrl-C or SIGTERM)."""


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "sim", help="run a simulated device on a pseudo-terminal",
                      description=DESCRIPTION)
    for name in SIM_MODULES:
        importlib.import_module(name).register_sim(group)
