"""`station status`: the running station at a glance, from its daemon (like `lpstat -t`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from spool import rfc3339

from . import shell
from .. import localtime
from .common import add_command, clock, load_config, print_json
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
    for line in describe(found, clock(args, cfg)):
        print(line)
    return 0


def describe(status: dict[str, Any], shown: Callable[[Any], str] = localtime.for_people,
             now: datetime | None = None) -> list[str]:
    """The status as lines a technician reads (`shown`: how a time reads, the station's zone by default)."""
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
        lines.append(_feed_line(feed, shown, now or datetime.now(UTC)))
        lines.append(f"outbox: {office.get('outbox_pending', 0)} waiting, {outbox.get('delivered', 0)} delivered"
                     f" since start; complaints waiting {status.get('complaints_pending', 0)}")
    return lines


def _feed_line(feed: dict[str, Any], shown: Callable[[Any], str], now: datetime) -> str:
    """When the feed last took a page from the back office, and how long ago (the cursor means nothing to a
    person: `status --json` still has it)."""
    error = f"; last error: {feed['last_error']}" if feed.get("last_error") else ""
    last = rfc3339.parse_or_none(feed.get("last_ok_at"))
    if last is None:
        return f"feed: no success since the daemon started{error}"
    return f"feed: last success {shown(last)} ({_age((now - last).total_seconds())} ago){error}"


def _age(seconds: float) -> str:
    """`12 s`, `4 min`, `2 h 5 min`, `3 d 4 h`: the feed's age as a person says it."""
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 90:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
