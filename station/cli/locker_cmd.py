"""`station locker ...`: a technician's tools for lock boards (status, open, selftest).

Every command works from flags alone (`--port PATH --family F --boards LIST`),
with no configuration file; without `--port`, the buses of the station's
configuration are used, through the running daemon when there is one (the
daemon holds the ports; an opening is audited as the technician).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from drivers.locks.naming import BadSlotName, parse_short_name, parse_slot_name, short_name, slot_name
from station.config import BoardSection, BusSection

from ..errors import ConfigError, StationError
from . import locker_guard as guard
from . import shell
from .common import add_command, add_group, load_config, print_json, print_table
from station.runtime import ops

# The lock drivers (pyserial) are imported by the commands that use them: building the parser must
# stay cheap.
if TYPE_CHECKING:
    from drivers.locks import Locker
    from drivers.locks.bus import LockBus

BUS_HELP = """\
The bus: either --port PATH with --family and --boards (no configuration
needed), or the station's configuration (--config; --bus NAME picks one).
Polarity: cu16 boards report a locked latch as --locked-bit (default 1);
8a80 boards report feedback 11 as --feedback door_closing (default: 11 means
closed) or door_opening."""

EXIT_CODES = """\
Exit status: 0 opened or already_open; 3 jammed; 4 unknown (the unlock left,
its effect was not seen: never repeat it blindly, look at the door);
5 not sent (nothing moved); 2 a usage or port error."""

# Keyed by the outcome words: `Outcome` is a StrEnum, so `OUTCOME_EXIT[Outcome.JAMMED]` finds "jammed".
OUTCOME_EXIT = {"opened": 0, "already_open": 0, "jammed": 3, "unknown": 4}


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "locker", help="lock boards: status, open a slot, self-test",
                      description="A technician's tools for the lock boards.\n\n" + BUS_HELP)
    status = add_command(group, "status", help="door and item state of every slot",
                         description="Read every board once and print a table of slots (or --json); with"
                                     " the daemon running, as it last read them.\n"
                                     "Exit status: 0, or 1 when a board did not answer.\n\n" + BUS_HELP,
                         run=run_status)
    _bus_options(status)
    status.add_argument("--json", action="store_true", help="JSON instead of a table")
    opener = add_command(group, "open", help="unlock one slot and print the outcome",
                         description="Unlock SLOT (board-lock, e.g. 1-05) once and print the outcome word:"
                                     " opened, already_open, jammed or unknown.\n\n" + EXIT_CODES + "\n\n"
                                     + BUS_HELP, run=run_open)
    opener.add_argument("slot", metavar="SLOT", help="slot name, board-lock: 1-05")
    opener.add_argument("--reason", default=None,
                        help="why (audited when the daemon opens it); needed for a slot that holds a document")
    shell.add_actor_option(opener)
    _bus_options(opener)
    opener.add_argument("--json", action="store_true", help="JSON instead of the word")
    selftest = add_command(group, "selftest", help="open every slot, one at a time",
                           description="Open each slot in turn, never two at once; after each opening wait"
                                       " for the door to be closed again (a person closes it), or with"
                                       " --auto go straight on (the simulator's --auto-close shuts them)."
                                       " Prints a table; exit status 0 only if every slot opened.\n\n"
                                       + BUS_HELP, run=run_selftest)
    _bus_options(selftest)
    selftest.add_argument("--slots", metavar="LIST", help="only these slots, e.g. 1-01,1-02 (default: all)")
    selftest.add_argument("--auto", action="store_true", help="nobody at the doors: do not wait for them")
    selftest.add_argument("--wait", type=float, metavar="SECONDS",
                          help="how long to wait for each door to close (default: 120, 0 with --auto)")
    selftest.add_argument("--json", action="store_true", help="JSON instead of a table")


def _bus_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", metavar="PATH", help="serial port of the bus (no configuration needed)")
    parser.add_argument("--family", choices=["cu16", "8a80"], type=str.lower,
                        help="board family (with --port; default cu16)")
    parser.add_argument("--boards", metavar="LIST", type=_addresses,
                        help="board addresses, e.g. 1,2 or 1-3 (with --port; default: 1)")
    parser.add_argument("--locks", type=int, metavar="N",
                        help="locks per board (default: 16 cu16; 8a80: as many as the board reports)")
    parser.add_argument("--baud", type=int, help="line speed (default: 19200 cu16, 9600 8a80)")
    parser.add_argument("--locked-bit", type=int, choices=[0, 1], default=1,
                        help="cu16: latch bit of a locked door (default: 1)")
    parser.add_argument("--feedback", choices=["door_closing", "door_opening"], default="door_closing",
                        help="8a80: what feedback 11 means (default: door_closing)")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help="reply timeout (default: 0.5 cu16, 1.5 8a80)")
    parser.add_argument("--echo", choices=["auto", "yes", "no"], default="auto",
                        help="does the RS485 adapter echo what it sends (default: detect)")
    parser.add_argument("--bus", metavar="NAME", help="without --port: only this bus of the configuration")


def _addresses(text: str) -> list[int]:
    addresses: list[int] = []
    try:
        for part in text.replace(",", " ").split():
            low, _, high = part.strip().partition("-")
            first, last = int(low), int(high or low)
            if not 1 <= first <= last <= 31:
                raise ValueError
            addresses.extend(range(first, last + 1))
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad board list {text!r}: addresses 1-31, e.g. 1,2 or 1-3") from None
    return sorted(set(addresses))


# -- building the bus --------------------------------------------------------

def _adhoc(args: argparse.Namespace, *, boards: list[int] | None = None, min_locks: int = 1) -> BusSection:
    from drivers.locks.dialect import dialect

    family = args.family or "cu16"
    boards = boards or args.boards or [1]
    # Without --locks an 8a80 board is read as wide as possible; the reply says how many it has.
    locks = args.locks or dialect(family).max_locks
    locks = max(locks, min_locks)
    try:
        return BusSection(name="cli", port=args.port, family=family, baud=args.baud,
                          reply_timeout_seconds=args.timeout, echo=args.echo,
                          boards=[BoardSection(address=a, locks=locks, locked_bit=args.locked_bit,
                                               feedback=args.feedback) for a in boards])
    except ValidationError as err:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in err.errors())
        raise StationError(f"bad bus options: {problems}") from None


def _configured(args: argparse.Namespace) -> list[BusSection]:
    try:
        cfg = load_config(args)
    except ConfigError as err:
        raise ConfigError(f"{err}; or name the bus with --port PATH --family F --boards LIST") from None
    buses = [b for b in cfg.bus if args.bus is None or b.name == args.bus]
    if not buses:
        raise StationError(f"the configuration has no bus {args.bus!r}")
    return [b if b.port.startswith("/") else b.model_copy(update={"port": str(cfg.base_dir / b.port)})
            for b in buses]


def _locker(buses: list[BusSection]) -> Locker:
    """A locker that reads only when asked (a one-shot command has no use for polls)."""
    from drivers.locks import Locker

    locker = Locker(buses, poll=False)
    locker.start(require_ports=True)
    return locker


def _shown_locks(bus: LockBus, address: int, explicit: bool) -> int:
    """How many locks of a board to show: all configured, or (8a80 without --locks) what it reported."""
    model = bus.boards[address]
    if explicit or bus.dialect.family != "8a80":
        return model.locks
    return min(model.locks, model.covered or 8)


# -- commands ----------------------------------------------------------------

def run_status(args: argparse.Namespace) -> int:
    """`station locker status`."""
    from drivers.locks.model import BoardState

    if not args.port:
        live = _live_config(args)
        if live is not None:
            return _status_from_daemon(args, live)
    buses = [_adhoc(args)] if args.port else _configured(args)
    locker = _locker(buses)
    try:
        locker.refresh()
        explicit = bool(args.locks) or not args.port
        rows: list[dict[str, Any]] = []
        report = []
        for bus in locker.buses:
            boards = []
            for address, model in sorted(bus.boards.items()):
                shown = _shown_locks(bus, address, explicit)
                rows += [_row(bus.status(address, lock), adhoc=bool(args.port)) for lock in range(1, shown + 1)]
                boards.append({"address": address, "state": model.state.value, "locks": shown})
                _polarity_hint(bus, address, shown)
            report.append({"name": bus.name, "port": bus.section.port, "family": bus.dialect.family,
                           "state": bus.state.value, "boards": boards})
    finally:
        locker.stop()
    if args.json:
        print_json({"buses": report, "slots": rows})
    else:
        print_table(["slot", "door", "item", "board"],
                    [(r["slot"], r["door"], r["item"], r["board_state"]) for r in rows])
    silent = [b["address"] for bus in report for b in bus["boards"] if b["state"] != BoardState.ANSWERING]
    if silent:
        print(f"station: board(s) {', '.join(map(str, silent))} did not answer: their slots are unknown",
              file=sys.stderr)
        return 1
    return 0


def _row(status: Any, *, adhoc: bool) -> dict[str, Any]:
    """A slot's status; on a bus named only by its port, the slot by its name on that bus (`1-05`)."""
    row = status.as_dict()
    if adhoc:
        row["slot"] = short_name(status.board, status.lock)
    return row


def _polarity_hint(bus: LockBus, address: int, shown: int) -> None:
    from drivers.locks.model import Door

    doors = [bus.status(address, lock).door for lock in range(1, shown + 1)]
    if doors and all(door is Door.OPEN for door in doors):
        option = "--locked-bit" if bus.dialect.family == "cu16" else "--feedback"
        print(f"note: every door of board {address} reads open: if they are shut, its polarity is the"
              f" other way round ({option})", file=sys.stderr)


def run_open(args: argparse.Namespace) -> int:
    """`station locker open SLOT`."""
    board, lock = _board_and_lock(args.slot)
    if args.port and args.boards and board not in args.boards:
        raise StationError(f"slot {args.slot} is on board {board}, which is not among --boards"
                           f" {','.join(map(str, args.boards))}: nothing sent")
    if not args.port:
        guard.refuse_an_occupied_slot_without_a_reason(args)
        live = _live_config(args)
        if live is not None:
            return _open_through_daemon(args, live)
    buses = [_adhoc(args, boards=[board], min_locks=lock)] if args.port else _configured(args)
    locker = _locker(buses)
    try:
        slot = locker.resolve(args.slot if not args.port else slot_name(buses[0].name, board, lock))
        bus, board, lock = locker.locate(slot)
        bus.read_boards([board])  # the door before: tells opened from already_open
        outcome = locker.unlock(slot, send_within=None)
    finally:
        locker.stop()
    shown = short_name(board, lock) if args.port else slot
    if args.json:
        print_json({"slot": shown, "outcome": outcome.value})
    else:
        guard.say_outcome(outcome.value, shown)
    return OUTCOME_EXIT[outcome]


def _live_config(args: argparse.Namespace) -> Any:
    """The configuration, when its daemon is running (it holds the ports); else None."""
    try:
        cfg = load_config(args)
    except ConfigError:
        return None
    return cfg if shell.daemon_running(cfg) else None


def _open_through_daemon(args: argparse.Namespace, cfg: Any) -> int:
    """The daemon opens the slot (it refuses a slot no configured board drives), audited as the technician."""
    result = shell.call(cfg, ops.SLOT_OPEN, {"slot": args.slot, "reason": args.reason},
                        actor=shell.technician(args.actor))
    if args.json:
        print_json(result)
    else:
        guard.say_outcome(result["outcome"], result.get("slot") or args.slot)
    return OUTCOME_EXIT.get(result["outcome"], 4)


def _status_from_daemon(args: argparse.Namespace, cfg: Any) -> int:
    devices = shell.call(cfg, ops.DEVICES_STATUS)
    rows = [{"slot": slot, **state} for slot, state in sorted((devices.get("slots") or {}).items())]
    if args.json:
        print_json({"buses": devices.get("buses"), "slots": rows, "from": "daemon"})
    else:
        print_table(["slot", "door", "item", "board"],
                    [(r["slot"], r.get("door"), r.get("item"), r.get("board")) for r in rows])
    silent = sorted({r["slot"].rsplit("-", 1)[0] for r in rows if r.get("board") not in (None, "answering")})
    if silent:
        print(f"station: board(s) {', '.join(silent)} did not answer: their slots are unknown", file=sys.stderr)
        return 1
    return 0


def _board_and_lock(text: str) -> tuple[int, int]:
    """Board and lock of `A-1-05` or `1-05` (a clear error for anything else)."""
    short = parse_short_name(text)
    if short is not None:
        return short
    try:
        _, board, lock = parse_slot_name(text)
    except BadSlotName as err:
        raise StationError(str(err)) from None
    return board, lock


def run_selftest(args: argparse.Namespace) -> int:
    """`station locker selftest`."""
    if args.port and (args.family or "cu16") == "8a80" and not args.locks:
        raise StationError("selftest of 8a80 boards needs --locks N (8, 16 or 24): unlocking a channel"
                           " that is not wired proves nothing")
    if not args.port and _live_config(args) is not None:
        # (issue 25) It said "in use by another process": the daemon holds the ports, and says what to do.
        raise shell.DaemonRefused(
            "the station daemon is running and holds the lock bus ports. Test slots through it, one at a time:"
            " station locker open A-1-01 --reason selftest (audited; station locker status shows the doors);"
            " or stop the daemon (systemctl stop mpp-station), run this selftest, then start it again")
    buses = [_adhoc(args)] if args.port else _configured(args)
    wait = args.wait if args.wait is not None else (0.0 if args.auto else 120.0)
    locker = _locker(buses)
    results = []
    try:
        slots = _selftest_slots(args, locker)
        locker.refresh()
        for slot in slots:
            results.append(_test_slot(locker, slot, wait, announce=not args.auto))
            if args.port:  # a bus named only by its port: its slots by their names on it (`1-05`)
                results[-1]["slot"] = short_name(*locker.locate(slot)[1:])
    finally:
        locker.stop()
    if args.json:
        print_json(results)
    else:
        print_table(["slot", "outcome", "closed", "item"],
                    [(r["slot"], r["outcome"], r["closed"], r["item"]) for r in results])
    return 0 if all(r["outcome"] in ("opened", "already_open") for r in results) else 1


def _selftest_slots(args: argparse.Namespace, locker: Locker) -> list[str]:
    if args.slots:
        slots = [s.strip() for s in args.slots.split(",") if s.strip()]
        return [locker.resolve(slot) for slot in slots]  # a clear error for a slot no bus drives
    return [slot_name(bus.name, address, lock) for bus in locker.buses for address, model in sorted(bus.boards.items())
            for lock in range(1, model.locks + 1)]


def _test_slot(locker: Locker, slot: str, wait: float, *, announce: bool) -> dict[str, Any]:
    """Open one slot, then (if asked) wait for its door to be shut again."""
    from drivers.locks import UnlockNotSent
    from drivers.locks.model import Door

    bus, board, lock = locker.locate(slot)
    try:
        outcome = locker.unlock(slot, send_within=None).value
    except UnlockNotSent as err:
        print(f"station: {err}", file=sys.stderr)
        return {"slot": slot, "outcome": "not_sent", "closed": "-", "item": "-"}
    closed = "-"
    if outcome in ("opened", "already_open") and wait > 0:
        if announce:
            print(f"{slot} is open: close its door (waiting up to {wait:g} s)", file=sys.stderr, flush=True)
        start = time.monotonic()
        closed = "left open"
        while time.monotonic() - start < wait:
            bus.read_boards([board])
            if bus.status(board, lock).door is Door.CLOSED:
                closed = f"after {time.monotonic() - start:.1f} s"
                break
            time.sleep(0.2)
    return {"slot": slot, "outcome": outcome, "closed": closed, "item": bus.status(board, lock).item.value}
