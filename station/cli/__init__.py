"""`station`: the command line of MPP Station.

Each module in `COMMAND_MODULES` registers its own commands; installed
packages plug more in through an entry-point group (`plugins.py`: the
simulation lab's `sim` and `simulate`). This file only builds the parser, runs
the chosen command and turns errors into one clear line and an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from ..errors import REPORTED
from ..version import version
from . import plugins

# Exit codes every command keeps to (README, "Exit codes").
EXIT_CODES = {
    0: "done",
    1: "checked and refused: a verification failed, input was refused, the daemon said no",
    2: "usage or setup: bad arguments, configuration, a file or port that cannot be used",
    3: "locker open: the door is jammed",
    4: "locker open: outcome unknown (the unlock left, its effect was not seen)",
    5: "locker open: not sent (nothing moved)",
    69: "the station daemon is not running",
    70: "internal error (a bug: please report it with the log)",
    130: "interrupted (Ctrl-C)",
}

COMMAND_MODULES = [
    "station.cli.init_cmd",
    "station.cli.spool_cmd",
    "station.cli.audit_cmd",
    "station.cli.run_cmd",
    "station.cli.slots_cmd",
    "station.cli.locker_cmd",
    "station.cli.scan_cmd",
    "station.cli.token_cmd",
    "station.cli.serve_cmd",
    "station.cli.users_cmd",
    "station.cli.keys_cmd",
    "station.cli.template_cmd",
    "station.cli.render_cmd",
    "station.cli.seal_cmd",
    "station.cli.printer_cmd",
    "station.cli.doctor_cmd",
    "station.cli.pdf_cmd",
    "station.cli.status_cmd",
    "station.cli.jobs_cmd",
    "station.cli.alarms_cmd",
    "station.cli.fleet_cmd",
]

DESCRIPTION = """\
MPP Station: a controller for self-service document pickup stations.

The back office approves a document; the station fetches it, renders it from
a signed template, prints it, keeps it in a locker slot (or dispenser bin),
and opens that slot only after the citizen's QR code verifies.

Every command reads the station's configuration from --config FILE, else
$STATION_CONFIG, else ./station.toml."""


class Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake said in one line (the full usage is one --help away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command tree: the whole of it, or, for `argv` naming a product command, the product's only.

    Plugged-in commands are imported only when `argv` may need them (`plugins.wanted`),
    so that `station run` loads no module of the simulation lab.
    """
    parser = Parser(
        prog="station", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", metavar="FILE", help="station configuration (TOML)")
    parser.add_argument("--utc", action="store_true",
                        help="times in UTC in the text (default: the station's local time, WIB/WITA/WIT)")
    parser.add_argument("--version", action="version", version=f"station (MPP Station) {version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(commands)
    if argv is None or plugins.wanted(argv, set(commands.choices)):
        plugins.register(commands, plugins.installed())
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns (and exits with) its exit code."""
    # Private by default: whatever a command or the daemon creates (spool, PDFs, keys, logs, sockets)
    # is the owner's only; the processes it starts inherit this.
    os.umask(0o077)
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(words)
    args = parser.parse_args(words)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        code = args.run(args)
    except BrokenPipeError:
        code = 0
    except REPORTED as err:
        print(f"station: error: {err}", file=sys.stderr)
        code = getattr(err, "exit_code", 2)
    except OSError as err:
        # A path that cannot be read or written (a folder where a file was meant, a file where a
        # folder was meant, no permission): the system's words and the path, on one line.
        where = f": {err.filename}" if err.filename else ""
        print(f"station: error: {err.strerror or err}{where}", file=sys.stderr)
        code = 2
    except UnicodeError:
        print("station: error: an argument or a file is not valid UTF-8 text", file=sys.stderr)
        code = 2
    except KeyboardInterrupt:
        print("station: interrupted", file=sys.stderr)
        code = 130
    except Exception as err:  # noqa: BLE001 - the last line of defence: no traceback on screen
        logging.getLogger("station").exception("unexpected error")
        print(f"station: internal error: {type(err).__name__}: {err}", file=sys.stderr)
        code = 70
    return int(code or 0)


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
