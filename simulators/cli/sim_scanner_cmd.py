"""`station sim scanner`: the serial QR scanner simulator from the command line."""

from __future__ import annotations

import argparse
import sys

from ..foreground import serve
from ..scanner import ENDINGS, ScannerSim
from .common import add_command


def register_sim(group: argparse._SubParsersAction) -> None:
    """Add `station sim scanner`."""
    parser = add_command(group, "scanner", help="a simulated serial QR scanner on a pseudo-terminal",
                         description="Create a pseudo-terminal whose device end is the symlink --link PATH"
                                     " and send each line read from standard input as one scan. Runs"
                                     " until interrupted.\n\nExample:\n  station sim scanner --link"
                                     " /tmp/scanner\n  station scan --port /tmp/scanner", run=run)
    parser.add_argument("--link", required=True, metavar="PATH", help="symlink to create for the device end")
    parser.add_argument("--baud", type=int, default=9600, help="line speed (default: %(default)s)")
    parser.add_argument("--end", choices=sorted(ENDINGS), default="cr", help="line end sent after each scan")


def run(args: argparse.Namespace) -> int:
    """Run the scanner simulator until interrupted."""
    sim = ScannerSim(args.link, baud=args.baud, end=args.end).start()
    print(f"scanner simulator at {args.link} ({sim.link.device}); each line of input is one scan",
          file=sys.stderr, flush=True)

    def send(line: str) -> bool:
        sim.send(line)
        return True

    try:
        return serve(send, commands=False)
    finally:
        sim.stop()
