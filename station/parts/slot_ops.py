"""Slots driven by hand: a technician opens one, an operator moves a document to another (ADR 0263).

The device part (`devices.py`) starts and stops the lock buses; what staff
do with a lock is a part of its own, given the devices in its constructor.
Each hand-driven lock is recorded in the ledger before it moves; one a crash
cut off is settled at start with what its door says then.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import spool
from drivers.locks.errors import LockError
from spool import intents, jobs, machine, slots
from spool.intents import Kind
from spool.states import Action

from station import operations
from station.errors import StationError
from station.runtime import ops
from station.parts.devices import DevicesPart
from station.runtime.roles import Actor, Role

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon


class SlotOpsPart:
    """The `slot.open` and `job.move` commands, on the locker of the device part."""

    name = "slot-ops"

    def __init__(self, devices: DevicesPart) -> None:
        self.devices = devices

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        await asyncio.to_thread(self._settle_interrupted)
        daemon.control.register(ops.SLOT_OPEN, self._open_slot)
        daemon.control.register(ops.JOB_MOVE, self._move_job)

    async def stop(self) -> None:
        """Nothing runs: a lock in motion belongs to the device part, stopped after this one."""

    async def _open_slot(self, args: dict, actor: str) -> dict:
        """A technician opens a slot by hand, with a reason (in the ledger before the lock moves)."""
        actor = Actor.parse(actor).require(Role.TECHNICIAN, "opening a slot by hand")
        slot, reason = args.get("slot"), args.get("reason")
        if not isinstance(slot, str) or not isinstance(reason, str) or not reason.strip():
            raise StationError(f"{ops.SLOT_OPEN} needs a slot and a reason", http_status=422)
        return await self.open_slot(slot, reason.strip(), actor=actor)

    async def open_slot(self, slot: str, reason: str, *, actor: str, job: str | None = None) -> dict:
        """Open `slot` for `actor` (role already checked), recorded first (with the document it is for, if any)."""
        locker = self.devices.locker
        slot = locker.resolve(slot)
        intent = intents.record(self.daemon.conn, Kind.MANUAL_OPEN, job=job, slot=slot, actor=actor,
                                detail={"reason": reason[:200]})
        outcome = await locker.unlock_async(slot)
        intents.finish(self.daemon.conn, intent.id, outcome.value, actor=actor)
        return {"slot": slot, "outcome": outcome.value}

    async def _move_job(self, args: dict, actor: str) -> dict:
        actor = Actor.parse(actor).require(Role.OPERATOR, "moving a document")
        job_id, target = args.get("job"), args.get("slot")
        if not isinstance(job_id, str) or not isinstance(target, str):
            raise StationError(f"{ops.JOB_MOVE} needs a job and a slot", http_status=422)
        return await self.move_job(job_id, target, actor=actor)

    async def move_job(self, job_id: str, target: str, *, actor: str) -> dict:
        """Move a staged document to another slot: both reserved, then opened one after the other."""
        conn, locker = self.daemon.conn, self.devices.locker
        job = jobs.get_job(conn, job_id)
        operations.check(job, Action.MOVE)
        target = locker.resolve(target)
        source = job.slot or ""
        with spool.write(conn):
            slots.vacate(conn, source, actor=actor, reason="moved")
            slots.occupy(conn, target, job_id, actor=actor)
            machine.annotate(conn, job_id, "job.moved", actor=actor, details={"from": source, "to": target})
            intent = intents.record(conn, Kind.MOVE, job=job_id, slot=target, actor=actor, audited=False,
                                    detail={"from": source, "to": target})
        # One lock at a time: the old door (take the paper out), then the new one (put it in).
        opened = {source: (await locker.unlock_async(source)).value}
        intents.update(conn, intent.id, source=opened[source])
        opened[target] = (await locker.unlock_async(target)).value
        intents.finish(conn, intent.id, "done", actor=actor, audit_details=opened)
        return {"job": job_id, "slot": target, "opened": opened}

    def _settle_interrupted(self) -> None:
        """Hand opens and moves a crash cut off: recorded with what the doors say now (staff look)."""
        for kind in (Kind.MANUAL_OPEN, Kind.MOVE):
            for intent in intents.open_intents(self.daemon.conn, kind):
                try:
                    door = self.devices.locker.status(intent.slot or "").door.value
                except LockError:
                    door = "unknown"
                intents.finish(self.daemon.conn, intent.id, "interrupted", audit_details={"door": door})
