"""`station slots ...`: the slot table, and collecting expired documents."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any

from spool import jobs, slots
from spool.states import JobState

from ..config import Config
from station.runtime.control import ControlClient, ControlError
from ..errors import StationError
from station.release import take_out
from station.vocabulary import SLOT_STATES, door_word, item_word
from station.vocabulary.words import LANGUAGES, language_of_environment
from .common import add_command, add_group, open_spool, print_json, print_table
from station.runtime import ops
from station.runtime.roles import Role

COLLECT_DESCRIPTION = """\
Walk a technician through the documents whose pickup window passed
(`expired`) and cancelled documents still in a slot: each slot is opened,
one at a time; take the document out and close the door. When the door is
closed and the slot is empty, the slot is free again: an expired document
is recorded `returned` (by you); a cancelled one stays `cancelled` (the back
office already knows) and is reported as taken out.

Goes through the running daemon (its control socket); when no daemon runs,
drives the lock bus directly. --yes does not wait for Enter (the door is
watched instead). The operations page's "Take documents out" does the same,
and ends in the same record (station.release.take_out, ADR 0321)."""


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "slots", help="the slot table; collect expired documents")
    lister = add_command(group, "list", help="every slot with its occupant",
                         description="List slots: size, service state and occupant.", run=run_list)
    lister.add_argument("--json", action="store_true", help="JSON instead of a table")
    lister.add_argument("--all", action="store_true", help="retired slots too")
    lister.add_argument("--language", choices=LANGUAGES, default=None,
                        help="words of the table: id or en (default: from LANG, English unless it says id)")
    add = add_command(group, "add", help="use a slot again (a retired one), or check a new lock's slot",
                      description=ADD_DESCRIPTION, run=run_add)
    add.add_argument("slot", metavar="SLOT", help="slot name, e.g. A-1-05 (or 1-05 where one bus has board 1)")
    add.add_argument("--technician", default=getpass.getuser(), help="your name, for the audit")
    retire = add_command(group, "retire", help="stop using a slot for good (it must be empty)",
                         description=RETIRE_DESCRIPTION, run=run_retire)
    retire.add_argument("slot", metavar="SLOT", help="slot name, e.g. A-1-05")
    retire.add_argument("--reason", required=True, help="why (for the audit), e.g. 'latch broken'")
    retire.add_argument("--technician", default=getpass.getuser(), help="your name, for the audit")
    collect = add_command(group, "collect-expired", help="open slots of expired documents one by one",
                          description=COLLECT_DESCRIPTION, run=run_collect)
    collect.add_argument("--technician", default=getpass.getuser(), help="your name, for the audit")
    collect.add_argument("--yes", action="store_true", help="do not wait for Enter between slots")
    collect.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each door")
    collect.add_argument("--json", action="store_true",
                         help="the outcome per document as JSON on standard output (progress on standard error)")


ADD_DESCRIPTION = """\
Use a slot again after `station slots retire`. The slot table otherwise
follows the configuration by itself: at every start the daemon adds the
slots of new locks ([[bus]] sections), retires those of locks that are gone
(when empty) and raises one alarm for each one that is gone but holds a
document (never opened). A slot must be on a configured lock to be added."""

RETIRE_DESCRIPTION = """\
Stop using a slot for good (a broken lock, a blocked compartment): the
station puts no document in it and never opens it for a release. It must be
empty. It stays retired across restarts until `station slots add`."""


def run_list(args: argparse.Namespace) -> int:
    _, conn = open_spool(args, readonly=True)
    found = slots.list_slots(conn, retired=args.all)
    if args.json:
        print_json([s.as_dict() for s in found])
        return 0
    language = args.language or language_of_environment()
    print_table(["slot", "size", "accessible", "state", "note", "occupant"],
                [(s.id, s.size, "yes" if s.accessible else "", SLOT_STATES[_state(s)].get(language),
                  f"{s.retired}" if s.retired else s.service_note or "", s.occupant) for s in found])
    return 0


def _state(slot: slots.Slot) -> str:
    """The slot's state in the vocabulary's words (station/vocabulary/slots.py)."""
    if slot.retired:
        return "retired"
    if slot.out_of_service:
        return "out_of_service"
    return "occupied" if slot.occupant else "free"


def run_add(args: argparse.Namespace) -> int:
    """`station slots add SLOT`: a retired slot in use again (only one on a configured lock)."""
    cfg, conn = open_spool(args)
    slot = slots.resolve(conn, args.slot)
    if slot not in {sid for sid, _, _ in cfg.slot_layout()}:
        raise StationError(f"slot {slot} is on no configured lock: add the lock to a [[bus]] section first")
    done = slots.restore(conn, slot, actor=Role.TECHNICIAN.actor(_name(args.technician)))
    print(f"{done.id}: in use")
    return 0


def run_retire(args: argparse.Namespace) -> int:
    """`station slots retire SLOT --reason WHY`."""
    _, conn = open_spool(args)
    slot = slots.resolve(conn, args.slot)
    who = Role.TECHNICIAN.actor(_name(args.technician))
    done = slots.retire(conn, slot, actor=who, why=f"{who}: {args.reason.strip()[:120]}")
    print(f"{done.id}: retired")
    return 0


def _name(text: str) -> str:
    kept = "".join(c for c in text if c.isalnum() or c in "._@-")[:64]
    return kept or "unknown"


class _Slots:
    """Opens slots and reads them: through the daemon when it runs, else on the bus itself."""

    def __init__(self, cfg: Config, actor: str) -> None:
        self.actor = actor
        self.client = ControlClient(cfg.path(cfg.paths.control_socket), timeout=30)  # type: ignore[arg-type]
        self.locker: Any = None
        try:
            self.client.call(ops.STATION_PING)
        except ControlError:
            from station.parts.devices import locker_for

            self.client = None  # type: ignore[assignment]
            self.locker = locker_for(cfg)
            self.locker.start(require_ports=True)

    def open(self, slot: str, reason: str) -> str:
        if self.client is not None:
            return self.client.call(ops.SLOT_OPEN, {"slot": slot, "reason": reason}, actor=self.actor)["outcome"]
        return self.locker.unlock(slot).value

    def state(self, slot: str) -> tuple[str, str]:
        if self.client is not None:
            found = self.client.call(ops.DEVICES_STATUS)["slots"].get(slot, {})
            return found.get("door", "unknown"), found.get("item", "unknown")
        self.locker.refresh(timeout=2)
        status = self.locker.status(slot)
        return status.door.value, status.item.value

    def close(self) -> None:
        if self.locker is not None:
            self.locker.stop()


def run_collect(args: argparse.Namespace) -> int:
    cfg, conn = open_spool(args)
    actor = Role.TECHNICIAN.actor(args.technician)
    # With --json, standard output is the JSON alone; the technician's prompts go to standard error.
    say = (lambda text: print(text, file=sys.stderr)) if args.json else print
    expired = jobs.jobs_in(conn, JobState.EXPIRED, limit=10_000)
    cancelled = [j for j in jobs.jobs_in(conn, JobState.CANCELLED, limit=10_000) if j.slot]
    todo = [j for j in expired + cancelled if j.slot]
    results: list[dict[str, str]] = []
    if not todo:
        say("no expired or cancelled documents in slots")
    else:
        say(f"{len(todo)} document(s) to take out. Slots open one at a time.")
        bus = _Slots(cfg, actor)
        try:
            for job in todo:
                results.append({"job": job.id, "slot": job.slot or "", "state": job.state.value,
                                "result": _collect_one(args, conn, bus, job, actor, say)})
        except ControlError as err:
            raise StationError(str(err)) from None
        finally:
            bus.close()
    returned = sum(r["result"] == "returned" for r in results)
    cancelled = sum(r["result"] == "taken_out" for r in results)
    if todo:
        say(f"\n{returned + cancelled} of {len(todo)} document(s) taken out: {returned} returned,"
            f" {cancelled} cancelled (taken out)")
    if args.json:
        print_json({"documents": results, "returned": returned, "cancelled_taken_out": cancelled,
                    "total": len(todo)})
    return 0 if returned + cancelled == len(todo) else 1


def _collect_one(args: argparse.Namespace, conn: Any, bus: _Slots, job: Any, actor: str, say: Any) -> str:
    """Open one slot, wait for the paper to be taken out; what came of it as one word."""
    slot = job.slot
    say(f"\nslot {slot}: document {job.id} ({job.state.value}) - opening...")
    outcome = bus.open(slot, f"collect {job.state.value} document")
    if outcome not in ("opened", "already_open"):
        say(f"  the door did not open ({outcome}); skipped, tell maintenance")
        return f"door_{outcome}"
    if not args.yes:
        say("  take the document out and close the door, then press Enter (s + Enter to skip)")
        if sys.stdin.readline().strip().lower() == "s":
            return "skipped"
    door, item = _wait_closed(bus, slot, args.timeout)
    why = take_out.EXPIRED if job.state is JobState.EXPIRED else take_out.CANCELLED
    try:  # the one settlement the ops page's take-out flow ends in too
        done = take_out.settle(conn, take_out.Task(job.id, slot, why), door=door, item=item, actor=actor)
    except StationError:
        say(f"  not confirmed ({door_word(door, 'en')}, {item_word(item, 'en')}); the document stays {job.state.value}")
        return "not_confirmed"
    if done["result"] == "returned":
        say(f"  done: {job.id} returned, slot {slot} free")
    else:
        say(f"  done: {job.id} taken out (it stays cancelled), slot {slot} free")
    return str(done["result"])


def _wait_closed(bus: _Slots, slot: str, timeout: float) -> tuple[str, str]:
    deadline = time.monotonic() + timeout
    door, item = bus.state(slot)
    while door != "closed" and time.monotonic() < deadline:
        time.sleep(0.3)
        door, item = bus.state(slot)
    return door, item
