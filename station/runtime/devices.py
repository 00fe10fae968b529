"""The station's devices as its configuration describes them, and the daemon part that runs them.

The drivers know nothing of the station: here they get their settings, and
their events reach the counter, the loader and the pages. A lock driven by
hand (a technician's open, an operator's move) is recorded in the ledger
before it moves.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import spool
from drivers.locks.bus import EventSink
from drivers.locks.errors import LockError
from drivers.locks.locker import Locker
from drivers.locks.model import EventKind, LockEvent
from drivers.printer import Printer, open_printer
from drivers.scanner import ScannerReader, make_scanner
from spool import intents, jobs, machine, slots
from spool.intents import Kind
from spool.states import Action

from station import operations
from station.config import Config
from station.errors import StationError

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon

log = logging.getLogger("station.devices")


def locker_for(cfg: Config, *, on_event: EventSink | None = None, poll: bool = True) -> Locker:
    """Every lock bus of the configuration (ports relative to the configuration file)."""
    return Locker.from_settings(cfg.bus, base_dir=cfg.base_dir, on_event=on_event, poll=poll,
                                open_alarm_seconds=cfg.release.door_open_alarm_seconds)


def printer_for(cfg: Config) -> Printer:
    """The configured printer."""
    return open_printer(cfg.printer, base_dir=cfg.base_dir)


class DevicesPart:
    """The lock buses, the printer and the scanner, and the commands that drive a lock by hand."""

    name = "devices"

    def __init__(self) -> None:
        self.listeners: list[Any] = []
        self.scanner: ScannerReader | None = None

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        cfg = daemon.cfg
        self.locker = locker_for(cfg, on_event=self._on_lock_event)
        await asyncio.to_thread(self.locker.start)
        self.printer = printer_for(cfg)
        daemon.devices = self  # type: ignore[attr-defined]
        await asyncio.to_thread(self._settle_interrupted)
        daemon.control.register("devices", self._devices)
        daemon.control.register("open_slot", self._open_slot)
        daemon.control.register("move_job", self._move_job)

    def start_scanner(self, on_scan: Any) -> None:
        """Read scans on a thread of their own and hand each to `on_scan` (the counter).

        The scanner need not be there yet: its driver looks for it until it is (drivers/scanner).
        """
        scanner = make_scanner(self.daemon.cfg.scanner, self.daemon.cfg.base_dir)
        if scanner is not None:
            self.scanner = ScannerReader(scanner, on_scan).start()

    async def stop(self) -> None:
        if self.scanner is not None:
            await asyncio.to_thread(self.scanner.stop)
        await asyncio.to_thread(self.locker.stop)
        await asyncio.to_thread(self.printer.close)

    def _on_lock_event(self, event: LockEvent) -> None:
        for listener in self.listeners:
            listener(event)
        kind = "alarm" if event.kind is EventKind.DOOR_FORCED else "slot"
        self.daemon.events.publish(kind, event.as_dict())

    async def _devices(self, args: dict, actor: str) -> dict:
        status = await asyncio.to_thread(self.printer.status)
        return {
            "printer": status.as_dict() if hasattr(status, "as_dict") else str(status),
            "buses": [{"name": name, "state": state.value} for name, state in self.locker.bus_states().items()],
            "scanner": {"driver": self.daemon.cfg.scanner.driver,
                        **(self.scanner.status() if self.scanner else {"state": "none"})},
            "slots": {s.slot: {"door": s.door.value, "item": s.item.value, "board": s.board_state.value}
                      for s in self.locker.statuses()},
        }

    async def _open_slot(self, args: dict, actor: str) -> dict:
        """A technician opens a slot by hand, with a reason (in the ledger before the lock moves)."""
        _need_role(actor, ("technician:", "admin:"), "opening a slot by hand")
        slot, reason = args.get("slot"), args.get("reason")
        if not isinstance(slot, str) or not isinstance(reason, str) or not reason.strip():
            raise StationError("open_slot needs a slot and a reason", http_status=422)
        slot = self.locker.resolve(slot)
        intent = intents.record(self.daemon.conn, Kind.MANUAL_OPEN, slot=slot, actor=actor,
                                detail={"reason": reason.strip()[:200]})
        outcome = await self.locker.unlock_async(slot)
        intents.finish(self.daemon.conn, intent.id, outcome.value, actor=actor)
        return {"slot": slot, "outcome": outcome.value}

    async def _move_job(self, args: dict, actor: str) -> dict:
        """Move a staged document to another slot: both reserved, then opened one after the other."""
        _need_role(actor, ("operator:", "technician:", "admin:"), "moving a document")
        job_id, target = args.get("job"), args.get("slot")
        if not isinstance(job_id, str) or not isinstance(target, str):
            raise StationError("move_job needs a job and a slot", http_status=422)
        conn = self.daemon.conn
        job = jobs.get_job(conn, job_id)
        operations.check(job, Action.MOVE)
        target = self.locker.resolve(target)
        source = job.slot or ""
        with spool.write(conn):
            slots.vacate(conn, source, actor=actor, reason="moved")
            slots.occupy(conn, target, job_id, actor=actor)
            machine.annotate(conn, job_id, "job.moved", actor=actor, details={"from": source, "to": target})
            intent = intents.record(conn, Kind.MOVE, job=job_id, slot=target, actor=actor, audited=False,
                                    detail={"from": source, "to": target})
        # One lock at a time: the old door (take the paper out), then the new one (put it in).
        opened = {source: (await self.locker.unlock_async(source)).value}
        intents.update(conn, intent.id, source=opened[source])
        opened[target] = (await self.locker.unlock_async(target)).value
        intents.finish(conn, intent.id, "done", actor=actor, audit_details=opened)
        return {"job": job_id, "slot": target, "opened": opened}

    def _settle_interrupted(self) -> None:
        """Hand opens and moves a crash cut off: recorded with what the doors say now (staff look)."""
        for kind in (Kind.MANUAL_OPEN, Kind.MOVE):
            for intent in intents.open_intents(self.daemon.conn, kind):
                try:
                    door = self.locker.status(intent.slot or "").door.value
                except LockError:
                    door = "unknown"
                intents.finish(self.daemon.conn, intent.id, "interrupted", audit_details={"door": door})


def _need_role(actor: str, roles: tuple[str, ...], what: str) -> None:
    if not actor.startswith(roles):
        raise StationError(f"{what} needs one of the roles {', '.join(r.rstrip(':') for r in roles)}",
                           http_status=403)
