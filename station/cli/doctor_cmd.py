"""`station doctor`: check a station the way a technician would, and say how to fix each problem."""

from __future__ import annotations

import argparse

from .common import add_command, load_config, print_json

DESCRIPTION = """\
Check this station and print each problem with its fix:
  files    the station folder, spool (with its WAL and SHM), documents, keys,
           trust store and log are the owner's only
  keys     the station key is there and trusted; no key expired or ends within 30 days
  trust    the trust store loads, only its owner can change it, and it trusts
           an issuer key and a template key
  clock    the clock was set, and is not behind what the spool recorded
  serial   each lock bus's port and the scanner's exist and this user may use them
  printer  (CUPS) the queue accepts jobs with printer-error-policy=abort-job,
           and cupsd.conf says PreserveJobFiles No
Nothing is changed and no device is opened. Exit code 0: no problem; 1: problems."""


def register(commands: argparse._SubParsersAction) -> None:
    """Add `station doctor`."""
    parser = add_command(commands, "doctor", help="check file modes, keys, clock, trust store, ports, printer",
                         description=DESCRIPTION, run=run)
    parser.add_argument("--json", action="store_true", help="JSON instead of text")
    parser.add_argument("--only", action="append", metavar="CHECK",
                        choices=["files", "keys", "trust", "clock", "serial", "printer"],
                        help="run only this check (repeatable)")


def run(args: argparse.Namespace) -> int:
    """Run the checks; exit 1 when any problem was found."""
    from station.cli.doctor_checks import examine

    report = examine(load_config(args), args.only)
    if args.json:
        print_json(report.to_json())
    else:
        for problem in report.problems:
            print(f"PROBLEM [{problem.check}] {problem.problem}\n    fix: {problem.fix}")
        found = len(report.problems)
        print(f"{', '.join(report.checked)}: " + (f"{found} problem{'s' if found != 1 else ''}" if found else "all good"))
    return 0 if report.ok else 1
