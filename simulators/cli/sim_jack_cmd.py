"""`station sim jack`: a headphone jack's switch, as Linux input events into a FIFO."""

from __future__ import annotations

import argparse
import sys

from ..foreground import serve
from ..jack import JackSim
from .common import add_command


def register_sim(group: argparse._SubParsersAction) -> None:
    """Add `station sim jack`."""
    parser = add_command(group, "jack", help="a simulated headphone jack (EV_SW SW_HEADPHONE_INSERT) on a FIFO",
                         description="Create the FIFO --fifo PATH and write a headphone jack's input events"
                                     " into it: type 'plug' or 'unplug', one a line. Point [kiosk.speech]"
                                     " jack_device at PATH. Runs until interrupted.\n\nExample:\n"
                                     "  station sim jack --fifo run/jack", run=run)
    parser.add_argument("--fifo", required=True, metavar="PATH", help="the FIFO to create and write")


def run(args: argparse.Namespace) -> int:
    """Run the jack simulator until interrupted."""
    sim = JackSim(args.fifo).start()
    print(f"headphone jack simulator at {args.fifo}; type plug or unplug", file=sys.stderr, flush=True)

    def handle(line: str) -> bool:
        if line == "plug":
            sim.plug()
        elif line == "unplug":
            sim.unplug()
        else:
            print("error: type plug or unplug", file=sys.stderr, flush=True)
            return True
        print(f"jack: {line}ged" if line == "plug" else "jack: unplugged", file=sys.stderr, flush=True)
        return True

    try:
        return serve(handle)
    finally:
        sim.stop()
