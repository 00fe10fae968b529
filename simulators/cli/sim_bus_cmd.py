"""`station sim bus`: the lock-bus simulator from the command line."""

from __future__ import annotations

import argparse
import gc
import json
from collections.abc import Callable
import logging
import sys

from ..errors import SimulatorError
from ..foreground import serve
from ..lockbus.faults import describe
from ..lockbus.sim import LockBusSim
from .common import add_command

DESCRIPTION = f"""\
Simulate lock boards of one family (cu16: Kerong KR-CU16; 8a80: DIP-addressed
8A/80 boards) on a pseudo-terminal whose device end is the symlink --link PATH.
Boards are at addresses 1..N; wire timing follows the baud rate; an unlock
energises the latch for --latch-ms, during which the board answers nothing
else (8A/80 answers the unlock itself when the pulse ends).

Faults (--fault SPEC, repeatable; TARGET is a board B or a slot B-LL; without
it, every board):
{describe()}

While it runs, standard input takes commands, one a line:
  fault SPEC     add a fault (or do a one-shot one), e.g. "fault jam@1-05", "fault vanish=3"
  clear [SPEC]   remove faults matching SPEC (a name or the exact text); all without SPEC
  open SLOT      a person opens the door by hand (the station should call it forced)
  close SLOT     a person closes the door
  put SLOT       place an item in the slot (CU16 infrared sensor)
  take SLOT      take the item out
  show           doors, items, faults and counters, as JSON on standard output
  quit           stop

Example:
  station sim bus --family cu16 --boards 2 --link /tmp/lockbus --auto-close 3 &
  station locker status --port /tmp/lockbus --family cu16 --boards 1,2"""


def register_sim(group: argparse._SubParsersAction) -> None:
    """Add `station sim bus`."""
    parser = add_command(group, "bus", help="simulated lock boards on a pseudo-terminal",
                         description=DESCRIPTION, run=run)
    parser.add_argument("--family", choices=["cu16", "8a80"], default="cu16",
                        help="board family (default: %(default)s)")
    parser.add_argument("--boards", type=_count(1, 31), default=1, metavar="N",
                        help="boards on the bus, addresses 1..N (default: 1)")
    parser.add_argument("--locks", type=_count(1, 24), metavar="M",
                        help="locks per board (default: 16 for cu16, 8 for 8a80)")
    parser.add_argument("--link", required=True, metavar="PATH", help="symlink to create for the device end")
    parser.add_argument("--baud", type=_count(300, 1_000_000), help="line speed (default: the family's)")
    parser.add_argument("--latch-ms", type=float, help="latch energising time (default: 200 cu16, 500 8a80)")
    parser.add_argument("--turnaround-ms", type=float, default=0.0,
                        help="board's think time before answering (default: 0)")
    parser.add_argument("--auto-close", type=float, metavar="SECONDS",
                        help="a door that opened is emptied and shut again after SECONDS (a person)")
    parser.add_argument("--items", choices=["present", "absent"], default="absent",
                        help="what every slot holds at start (default: absent)")
    parser.add_argument("--groups", type=_count(1, 3), help="8a80: status bytes in a whole-board reply")
    parser.add_argument("--locked-bit", type=int, choices=[0, 1], default=1,
                        help="cu16: the latch bit a locked door reports (default: 1)")
    parser.add_argument("--feedback", choices=["door_closing", "door_opening"], default="door_closing",
                        help="8a80: what feedback 11 means (default: door_closing)")
    parser.add_argument("--fault", action="append", default=[], metavar="SPEC", help="a fault (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="do not log what happens on the bus")


def _count(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be {low}-{high}")
        return value
    return parse


def run(args: argparse.Namespace) -> int:
    """Run the lock-bus simulator until interrupted, taking commands on standard input."""
    if not args.quiet:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
        logger = logging.getLogger("station.sim")
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    if args.family == "cu16" and ((args.locks or 16) > 16 or args.boards > 16):
        raise SimulatorError("a cu16 bus has at most 16 boards of at most 16 locks")
    sim = LockBusSim.uniform(args.family, args.link, boards=args.boards, locks=args.locks,
                             locked_bit=args.locked_bit, feedback=args.feedback, groups=args.groups,
                             baud=args.baud, latch_ms=args.latch_ms, turnaround_ms=args.turnaround_ms,
                             auto_close=args.auto_close, items=args.items == "present", faults=args.fault)
    sim.start()
    # Everything loaded so far lives for the whole run: keep the collector from rescanning it,
    # or a full collection stalls the simulated wire for tens of milliseconds.
    gc.collect()
    gc.freeze()
    locks = next(iter(sim.boards.values())).locks
    print(f"lock bus simulator: {args.family}, {args.boards} board(s) x {locks} locks, {sim.baud} baud,"
          f" at {args.link} ({sim.link.device}); type 'help' for commands", file=sys.stderr, flush=True)
    try:
        return serve(lambda line: _command(sim, line))
    finally:
        sim.stop()


def _command(sim: LockBusSim, line: str) -> bool:
    verb, _, rest = line.partition(" ")
    rest = rest.strip()
    if verb == "quit":
        return False
    if verb == "help":
        print(DESCRIPTION.split("While it runs, ")[1], flush=True)
    elif verb == "fault" and rest:
        print(f"fault {sim.add_fault(rest)}", file=sys.stderr, flush=True)
    elif verb == "clear":
        print(f"cleared {sim.clear_fault(rest or None)} fault(s)", file=sys.stderr, flush=True)
    elif verb in ("open", "close", "put", "take") and rest:
        {"open": sim.open_door, "close": sim.close_door, "put": sim.put_item, "take": sim.take_item}[verb](rest)
    elif verb == "show":
        print(json.dumps(sim.snapshot(), indent=2), flush=True)
    else:
        raise SimulatorError(f"unknown command {line!r} (type 'help')")
    return True
