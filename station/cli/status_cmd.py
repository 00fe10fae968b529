"""`station status`: the running station at a glance, from its daemon (like `lpstat -t`)."""

from __future__ import annotations

import argparse
from typing import Any

from . import shell
from .common import add_command, load_config, print_json
from station.runtime import ops, readiness

DESCRIPTION = """\
Ask the running daemon how the station is: its devices (printer, lock buses,
scanner), jobs per state, open alarms, the back-office feed and outbox.

Exit status: 0; 69 when the daemon is not running."""


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "status", help="the running station: devices, jobs, alarms, feed, outbox",
                         description=DESCRIPTION, run=run)
    parser.add_argument("--json", action="store_true", help="JSON instead of text")


def run(args: argparse.Namespace) -> int:
    """`station status`."""
    cfg = load_config(args)
    found = shell.call(cfg, ops.STATION_STATUS)
    if args.json:
        print_json(found)
        return 0
    for line in describe(found):
        print(line)
    return 0


def describe(status: dict[str, Any]) -> list[str]:
    """The status as lines a technician reads."""
    # The daemon's verdict, the one `/readyz` and `station_ready` give (station/runtime/readiness.py).
    lines = [f"station {status.get('station')} ({status.get('kind')}): "
             f"{readiness.from_reply(status.get('readiness')).headline()}"]
    devices = status.get("devices") or {}
    printer = devices.get("printer") or {}
    if isinstance(printer, dict):
        reasons = ", ".join(r for r in printer.get("reasons") or [] if r != "none")
        lines.append(f"printer: {printer.get('state', '?')}" + (f" ({reasons})" if reasons else ""))
    for bus in devices.get("buses") or []:
        lines.append(f"lock bus {bus.get('name')}: {bus.get('state')}")
    scanner = devices.get("scanner") or {}
    if scanner:
        detail = f" ({scanner['detail']})" if scanner.get("detail") else ""
        lines.append(f"scanner: {scanner.get('state')}{detail}")
    counts = status.get("jobs") or {}
    lines.append("jobs: " + (", ".join(f"{state} {n}" for state, n in counts.items()) or "none"))
    alarms = status.get("alarms") or []
    lines.append(f"open alarms: {len(alarms)}")
    lines += [f"  #{a['id']} {a['severity']} {a['kind']}: {a['message']}" for a in alarms[:10]]
    office = status.get("backoffice") or {}
    feed, outbox = office.get("feed") or {}, office.get("outbox") or {}
    if office:
        lines.append(f"feed: last error {feed.get('last_error') or 'none'}; cursor {office.get('cursor') or '-'}")
        lines.append(f"outbox: {office.get('outbox_pending', 0)} waiting, {outbox.get('delivered', 0)} delivered"
                     f" since start; complaints waiting {status.get('complaints_pending', 0)}")
    return lines
