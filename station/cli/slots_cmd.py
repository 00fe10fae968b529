"""`station slots ...`: the slot table, and collecting expired documents."""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from typing import Any

from spool import jobs, machine, slots
from spool.states import JobState

from ..config import Config
from ..control import ControlClient, ControlError
from ..errors import StationError
from .common import add_command, add_group, open_spool, print_json, print_table

COLLECT_DESCRIPTION = """\
Walk a technician through the documents whose pickup window passed
(`expired`) and cancelled documents still in a slot: each slot is opened,
one at a time; take the document out and close the door. When the door is
closed and the slot is empty, the document is recorded `returned` (by you)
and the slot is free again.

Goes through the running daemon (its control socket); when no daemon runs,
drives the lock bus directly. --yes does not wait for Enter (the door is
watched instead)."""


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "slots", help="the slot table; collect expired documents")
    lister = add_command(group, "list", help="every slot with its occupant",
                         description="List slots: size, service state and occupant.", run=run_list)
    lister.add_argument("--json", action="store_true", help="JSON instead of a table")
    collect = add_command(group, "collect-expired", help="open slots of expired documents one by one",
                          description=COLLECT_DESCRIPTION, run=run_collect)
    collect.add_argument("--technician", default=getpass.getuser(), help="your name, for the audit")
    collect.add_argument("--yes", action="store_true", help="do not wait for Enter between slots")
    collect.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for each door")


def run_list(args: argparse.Namespace) -> int:
    _, conn = open_spool(args, readonly=True)
    found = slots.list_slots(conn)
    if args.json:
        print_json([s.as_dict() for s in found])
        return 0
    print_table(["slot", "size", "accessible", "service", "occupant"],
                [(s.id, s.size, "yes" if s.accessible else "", s.service_note or ("out" if s.out_of_service else ""),
                  s.occupant) for s in found])
    return 0


class _Slots:
    """Opens slots and reads them: through the daemon when it runs, else on the bus itself."""

    def __init__(self, cfg: Config, actor: str) -> None:
        self.actor = actor
        self.client = ControlClient(cfg.path(cfg.paths.control_socket), timeout=30)  # type: ignore[arg-type]
        self.locker: Any = None
        try:
            self.client.call("ping")
        except ControlError:
            from ..devices import locker_for

            self.client = None  # type: ignore[assignment]
            self.locker = locker_for(cfg)
            self.locker.start(require_ports=True)

    def open(self, slot: str, reason: str) -> str:
        if self.client is not None:
            return self.client.call("open_slot", {"slot": slot, "reason": reason}, actor=self.actor)["outcome"]
        return self.locker.unlock(slot).value

    def state(self, slot: str) -> tuple[str, str]:
        if self.client is not None:
            found = self.client.call("devices")["slots"].get(slot, {})
            return found.get("door", "unknown"), found.get("item", "unknown")
        self.locker.refresh(timeout=2)
        status = self.locker.status(slot)
        return status.door.value, status.item.value

    def close(self) -> None:
        if self.locker is not None:
            self.locker.stop()


def run_collect(args: argparse.Namespace) -> int:
    cfg, conn = open_spool(args)
    actor = f"technician:{args.technician}"
    expired = jobs.jobs_in(conn, JobState.EXPIRED, limit=10_000)
    cancelled = [j for j in jobs.jobs_in(conn, JobState.CANCELLED, limit=10_000) if j.slot]
    todo = [j for j in expired + cancelled if j.slot]
    if not todo:
        print("no expired or cancelled documents in slots")
        return 0
    print(f"{len(todo)} document(s) to take out. Slots open one at a time.")
    bus = _Slots(cfg, actor)
    returned = 0
    try:
        for job in todo:
            slot = job.slot
            assert slot is not None
            print(f"\nslot {slot}: document {job.id} ({job.state.value}) - opening...")
            outcome = bus.open(slot, f"collect {job.state.value} document")
            if outcome not in ("opened", "already_open"):
                print(f"  the door did not open ({outcome}); skipped, tell maintenance")
                continue
            if not args.yes:
                print("  take the document out and close the door, then press Enter (s + Enter to skip)")
                if sys.stdin.readline().strip().lower() == "s":
                    continue
            door, item = _wait_closed(bus, slot, args.timeout)
            if door != "closed" or item == "present":
                print(f"  not confirmed (door {door}, item {item}); the document stays {job.state.value}")
                continue
            if job.state is JobState.EXPIRED:
                machine.transition(conn, job.id, JobState.RETURNED, actor=actor, details={"slot": slot})
            else:
                slots.vacate(conn, slot, actor=actor, reason="cancelled document taken out")
            returned += 1
            print(f"  done: {job.id} returned, slot {slot} free")
    except ControlError as err:
        raise StationError(str(err)) from None
    finally:
        bus.close()
    print(f"\n{returned} of {len(todo)} document(s) taken out")
    return 0 if returned == len(todo) else 1


def _wait_closed(bus: _Slots, slot: str, timeout: float) -> tuple[str, str]:
    deadline = time.monotonic() + timeout
    door, item = bus.state(slot)
    while door != "closed" and time.monotonic() < deadline:
        time.sleep(0.3)
        door, item = bus.state(slot)
    return door, item
