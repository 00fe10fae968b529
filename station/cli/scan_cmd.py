"""`station scan`: print QR scans as they arrive (a technician checks the scanner)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..errors import StationError
from .common import add_command, load_config

# The scanner drivers (pyserial) are imported when a scanner is opened: building the parser must
# stay cheap.
if TYPE_CHECKING:
    from drivers.scanner import Scanner

DESCRIPTION = """\
Print each scan on its own line as it arrives, until interrupted (or after
--count scans). Without --port, the scanner of the station's configuration.

Examples:
  station scan --port /dev/ttyACM0
  station scan --port /dev/input/by-id/usb-scanner-event-kbd --driver evdev
  station scan --port /tmp/scanner --count 1 --timeout 30 --json

Exit status: 0, or 1 when --timeout passed without a scan."""


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "scan", help="print QR scans as they arrive", description=DESCRIPTION,
                         run=run)
    parser.add_argument("--port", metavar="PATH", help="serial port (or input device for --driver evdev)")
    parser.add_argument("--driver", choices=["serial", "evdev"], help="scanner kind (default: serial)")
    parser.add_argument("--baud", type=int, help="serial line speed (default: 9600)")
    parser.add_argument("--count", type=int, metavar="N", help="stop after N scans")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="give up (exit 1) when no scan came for this long")
    parser.add_argument("--json", action="store_true", help="one JSON object a line")


def _scanner(args: argparse.Namespace) -> Scanner:
    from drivers.scanner import SerialScanner, WedgeScanner

    if args.port:
        driver, port, baud, partial = args.driver or "serial", args.port, args.baud or 9600, 0.3
    else:
        cfg = load_config(args)
        section = cfg.scanner
        if section.driver == "none":
            raise StationError("the configuration has no scanner ([scanner] driver = \"none\"); use --port")
        port = section.port if section.port.startswith("/") else str(cfg.base_dir / section.port)
        driver, baud, partial = args.driver or section.driver, args.baud or section.baud, \
            section.partial_timeout_seconds
    if driver == "evdev":
        return WedgeScanner(port, partial_timeout=partial)
    return SerialScanner(port, baud, partial_timeout=partial)


def run(args: argparse.Namespace) -> int:
    """`station scan`."""
    scanner = _scanner(args)
    scanner.open()
    seen = 0
    try:
        while args.count is None or seen < args.count:
            scan = scanner.read(args.timeout)
            if scan is None:
                print(f"station: no scan within {args.timeout:g} s", file=sys.stderr)
                return 1
            seen += 1
            if args.json:
                at = datetime.fromtimestamp(time.time() - (time.monotonic() - scan.received_at), UTC)
                print(json.dumps({"text": scan.text, "at": at.isoformat(timespec="milliseconds")}),
                      flush=True)
            else:
                print(scan.text, flush=True)
    except KeyboardInterrupt:
        return 0
    finally:
        scanner.close()
    return 0
