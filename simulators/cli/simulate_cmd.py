"""`station simulate`: the whole station on simulators."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from station.errors import StationError

from .common import add_command

if TYPE_CHECKING:
    from simulators.station.simulate import Options

DESCRIPTION = """\
Run the whole station on simulators: a back office that approves documents
and issues pickup tokens (with a page per citizen showing their QR and a
"scan at the station" button), a lock bus and a QR scanner on
pseudo-terminals, the printer (in-process, or --cups for a real CUPS
scheduler with ippeveprinter), the daemon, and the kiosk and operations pages.
Prints the addresses and a live summary. Type `scan DOCUMENT-ID` (or just
`scan`) to scan a citizen's QR, `approve N` for more documents.

A folder given with --dir is resumed by the next run: the same back office
(documents, tokens, cursor) and the paper where it was.

A scripted day, for technicians' soak tests (at a dispenser, a few citizens
walk away and leave their paper: it is retained):

  station simulate --documents 200 --auto-collect --exit-when-done \\
      [--kill-daemon-every 5] [--power-cycle-every 20]

approves the documents, lets simulated citizens collect them, and exits 0
when every one is collected and the audit chain and its checkpoints verify
(with a JSON summary: reprints, releases, events at the back office).

A fleet, for the command center (simulators/fleet/simulate.py):

  station simulate --stations 5 [--fault 'jam 3'] [--documents N --auto-collect --exit-when-done]

runs N stations (--documents per station) against one back office, with a
real Prometheus and Alertmanager watching them (deploy/prometheus/, in a
private folder on free ports) and the command-center page; prints their
addresses. Type faults while it runs: jam N, clear N, paper-out N,
bus-down N, bus-up N, kill N (the daemon, for good), start N; and status,
alerts, approve N [STATION]. Alerts come after 30 s (rules' for: capped,
5 s scrapes) unless --realistic-alerts."""


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(commands, "simulate", help="run the whole station on simulators",
                         description=DESCRIPTION, run=run)
    parser.add_argument("--dir", type=Path, help="station folder (default: a new temporary one, removed on exit)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary station (or fleet) folder on exit (it holds keys and personal data)")
    parser.add_argument("--kind", choices=["locker", "dispenser"], default="locker", help="kind of station")
    parser.add_argument("--documents", type=int, default=12, metavar="N",
                        help="documents the back office approves at start (default: %(default)s)")
    parser.add_argument("--auto-collect", action="store_true", help="simulated citizens collect every document")
    parser.add_argument("--exit-when-done", action="store_true",
                        help="exit when every document is collected (0 when all checks pass)")
    parser.add_argument("--kill-daemon-every", type=float, metavar="S",
                        help="SIGKILL the daemon at random moments about every S seconds, then restart it")
    parser.add_argument("--power-cycle-every", type=float, metavar="S",
                        help="power-cycle a lock board about every S seconds")
    parser.add_argument("--cups", action="store_true", help="print through a real CUPS scheduler (ippeveprinter)")
    parser.add_argument("--port", type=int, default=8080, help="port of the kiosk, operations page and API (0: any free port)")
    parser.add_argument("--pin-ratio", type=float, default=0.2, help="share of documents that need a PIN")
    parser.add_argument("--pdf-ratio", type=float, default=0.25,
                        help="share of documents that come as agency-signed PDFs (default: %(default)s)")
    parser.add_argument("--printer-ppm", type=float, metavar="N",
                        help="simulated printer speed in pages per minute (default: the configuration's 30;"
                             " 600 with --exit-when-done)")
    parser.add_argument("--seed", type=int, help="seed for the generated citizens and the fault timing")
    parser.add_argument("--timeout", type=float, metavar="S", help="give up after S seconds")
    parser.add_argument("--quiet", action="store_true", help="no live summary lines")
    parser.add_argument("--buses", type=int, choices=[1, 2], default=1,
                        help="lock buses of a new station: 1 (CU16) or 2 (a CU16 bus A and an 8A/80 bus B)")
    parser.add_argument("--fast", action="store_true",
                        help="brisk simulated people and fast polling (soak runs and tests)")
    fleet = parser.add_argument_group("a fleet of stations (the command center)")
    fleet.add_argument("--stations", type=int, metavar="N",
                       help="run N stations with Prometheus, Alertmanager and the command center")
    fleet.add_argument("--fault", action="append", default=[], metavar="'NAME N'",
                       help="inject a fault at start, e.g. 'jam 3', 'bus-down 5', 'kill 2' (repeatable)")
    fleet.add_argument("--command-port", type=int, default=0, metavar="P",
                       help="port of the command-center page (default: any free port)")
    fleet.add_argument("--realistic-alerts", action="store_true",
                       help="the shipped alert timings (15 s scrapes, 'printer blocked over 5 minutes')")


def _port_free(port: int) -> None:
    """Refuse a port another program listens on, now, in one line (not a web process failing in a loop)."""
    from station.web.serve import bind

    try:
        bind("127.0.0.1", port).close()
    except StationError as err:
        raise StationError(f"{err}: is another station running? Use --port 0 (any free port) or another"
                           " port") from None


def run(args: argparse.Namespace) -> int:
    from simulators.station.simulate import Options
    from simulators.station.simulate import run as simulate

    if args.documents < 0:
        raise StationError("--documents must be 0 or more")
    if args.port and args.stations is None:  # a fleet's stations take free ports of their own
        _port_free(args.port)
    options = Options(folder=args.dir, kind=args.kind, documents=args.documents, auto_collect=args.auto_collect,
                      exit_when_done=args.exit_when_done, kill_every=args.kill_daemon_every,
                      power_cycle_every=args.power_cycle_every, cups=args.cups, port=args.port,
                      pin_ratio=args.pin_ratio, pdf_ratio=args.pdf_ratio, seed=args.seed, keep=args.keep,
                      printer_ppm=args.printer_ppm or (600 if args.exit_when_done else None), timeout=args.timeout,
                      quiet=args.quiet, buses=args.buses, fast=args.fast)
    if args.stations is None:
        if args.fault:
            raise StationError("--fault goes with --stations N")
        return simulate(options)
    return _fleet(args, options)


def _fleet(args: argparse.Namespace, options: Options) -> int:
    """`--stations N`: the fleet simulation (simulators/fleet/simulate.py)."""
    from simulators.prometheus_lab import LabTiming

    from simulators.fleet.faults import FaultError, parse_fault
    from simulators.fleet.simulate import FleetOptions
    from simulators.fleet.simulate import run as simulate_fleet

    if not 1 <= args.stations <= 100 or args.cups:
        raise StationError("--stations takes 1 to 100 (and no --cups)")
    for text in args.fault:
        try:
            parse_fault(text, args.stations)
        except FaultError as err:
            raise StationError(str(err)) from None
    fleet = FleetOptions(stations=args.stations, folder=args.dir, station=options, faults=args.fault,
                         command_port=args.command_port)
    if args.realistic_alerts:
        fleet.timing = LabTiming()
    return simulate_fleet(fleet)
