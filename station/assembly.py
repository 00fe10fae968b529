"""The parts of a running station, put together from its configuration.

`build_parts` returns them in start order: devices first (the lock buses,
the printer, the scanner), then the counter and loading, rendering,
printing, the back-office feed, the timers, and last the web app. The
daemon stops them in reverse.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spool
from drivers.locks.model import EventKind, LockEvent
from drivers.scanner import open_scanner
from drivers.scanner.errors import ScannerError
from spool import alarms, audit, jobs, machine, slots
from spool.states import Flow, JobState

from .config import Config
from .counter import Counter
from .errors import StationError
from .kiosk import PROBLEMS
from .loading import Loader
from .devices import locker_for, printer_for
from .printing import PrintStage
from .rendering import RenderStage
from .timers import Timers
from .trust import TrustFile

if TYPE_CHECKING:
    from .daemon import Daemon, Part

log = logging.getLogger("station.assembly")


class Devices:
    """The lock buses, the printer and the scanner, and the control commands that reach them."""

    name = "devices"

    def __init__(self) -> None:
        self.listeners: list[Any] = []
        self.scanner: Any = None
        self._scanner_thread: threading.Thread | None = None
        self._stop = threading.Event()

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        cfg = daemon.cfg
        self.locker = locker_for(cfg, on_event=self._on_lock_event)
        await asyncio.to_thread(self.locker.start)
        self.printer = printer_for(cfg)
        daemon.devices = self  # type: ignore[attr-defined]
        daemon.control.register("devices", self._devices)
        daemon.control.register("open_slot", self._open_slot)
        daemon.control.register("move_job", self._move_job)
        daemon.control.register("reprint", self._reprint)

    def start_scanner(self, on_scan: Any) -> None:
        """Read scans on a thread of their own and hand each to `on_scan` (the counter)."""
        section = self.daemon.cfg.scanner
        if section.driver == "none":
            return

        def read_scans() -> None:
            while not self._stop.is_set():
                try:
                    if self.scanner is None:
                        self.scanner = open_scanner(section, self.daemon.cfg.base_dir)
                    scan = self.scanner.read(timeout=0.5)
                except (ScannerError, OSError) as err:
                    log.warning("scanner: %s", err)
                    self.scanner = None
                    self._stop.wait(2.0)
                    continue
                if scan is not None:
                    on_scan(scan.text, received_at=scan.received_at)

        self._scanner_thread = threading.Thread(target=read_scans, name="scanner", daemon=True)
        self._scanner_thread.start()

    async def stop(self) -> None:
        self._stop.set()
        if self._scanner_thread is not None:
            await asyncio.to_thread(self._scanner_thread.join, 3)
        if self.scanner is not None:
            self.scanner.close()
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
                        "state": "online" if self.scanner is not None else "offline"},
            "slots": {s.slot: {"door": s.door.value, "item": s.item.value, "board": s.board_state.value}
                      for s in self.locker.statuses()},
        }

    async def _open_slot(self, args: dict, actor: str) -> dict:
        """A technician opens a slot by hand, with a reason (audited before the lock moves)."""
        _need_role(actor, ("technician:", "admin:"), "opening a slot by hand")
        slot, reason = args.get("slot"), args.get("reason")
        if not isinstance(slot, str) or not isinstance(reason, str) or not reason.strip():
            raise StationError("open_slot needs a slot and a reason", http_status=422)
        self.locker.locate(slot)
        with spool.write(self.daemon.conn):
            audit.append(self.daemon.conn, actor, "slot.opened_by_hand", slot=slot, details={"reason": reason[:200]})
        outcome = await self.locker.unlock_async(slot)
        with spool.write(self.daemon.conn):
            audit.append(self.daemon.conn, actor, f"unlock.{outcome.value}", slot=slot, details={"by_hand": True})
        return {"slot": slot, "outcome": outcome.value}


    async def _move_job(self, args: dict, actor: str) -> dict:
        """Move a staged document to another slot: both are reserved, then opened one after the other."""
        _need_role(actor, ("operator:", "technician:", "admin:"), "moving a document")
        job_id, target = args.get("job"), args.get("slot")
        if not isinstance(job_id, str) or not isinstance(target, str):
            raise StationError("move_job needs a job and a slot", http_status=422)
        conn = self.daemon.conn
        job = jobs.get_job(conn, job_id)
        if job.state is not JobState.STAGED or job.slot is None:
            raise StationError(f"job {job_id} is {job.state.value}: only a staged document can move", http_status=409)
        self.locker.locate(target)
        source = job.slot
        with spool.write(conn):
            slots.vacate(conn, source, actor=actor, reason=f"moved to {target}")
            slots.occupy(conn, target, job_id, actor=actor)
            machine.annotate(conn, job_id, "job.moved", actor=actor, details={"from": source, "to": target})
        # One lock at a time: the old door (take the paper out), then the new one (put it in).
        opened = {source: (await self.locker.unlock_async(source)).value,
                  target: (await self.locker.unlock_async(target)).value}
        self.daemon.events.publish("job", {"job": job_id, "state": "staged", "slot": target})
        return {"job": job_id, "slot": target, "opened": opened}

    async def _reprint(self, args: dict, actor: str) -> dict:
        """Print a document again (damaged paper): out of its slot, back to the print queue, audited."""
        _need_role(actor, ("operator:", "technician:", "admin:"), "a reprint")
        job_id = args.get("job")
        if not isinstance(job_id, str):
            raise StationError("reprint needs a job", http_status=422)
        conn = self.daemon.conn
        job = jobs.get_job(conn, job_id)
        if job.flow is not Flow.LOCKER or job.state not in (JobState.PRINTED, JobState.STAGED):
            raise StationError(f"job {job_id} is {job.state.value}: only a printed or staged document is reprinted"
                               " (retry a held one)", http_status=409)
        with spool.write(conn):
            if job.slot is not None:
                slots.vacate(conn, job.slot, actor=actor, reason="reprint: take the old copy out")
            machine.transition(conn, job_id, JobState.RENDERED, actor=actor, action="job.reprint",
                               details={"requested": True, "old_slot": job.slot})
        self.daemon.events.publish("job", {"job": job_id, "state": "rendered", "reprint": True})
        return {"job": job_id, "state": "rendered", "old_slot": job.slot}


def _need_role(actor: str, roles: tuple[str, ...], what: str) -> None:
    if not actor.startswith(roles):
        raise StationError(f"{what} needs one of the roles {', '.join(r.rstrip(':') for r in roles)}",
                           http_status=403)


class CounterPart:
    """The release flow, fed by the scanner and the kiosk, watching the lock events."""

    name = "counter"

    def __init__(self, devices: Devices) -> None:
        self.devices = devices

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        cfg = daemon.cfg
        trust = TrustFile(cfg.path(cfg.paths.trust_store))  # type: ignore[arg-type]
        self.counter = Counter(cfg, trust, self.devices.locker, daemon.events.publish)
        self.devices.listeners.append(self.counter.on_lock_event)
        await asyncio.to_thread(self.counter.start)
        self.counter.resume_watches()
        self.devices.start_scanner(self.counter.scan)
        for op, handler in (("kiosk", self._kiosk), ("scan", self._scan), ("pin", self._pin),
                            ("report_problem", self._report_problem)):
            daemon.control.register(op, handler)

    async def stop(self) -> None:
        await asyncio.to_thread(self.counter.stop)

    async def _kiosk(self, args: dict, actor: str) -> dict:
        return self.counter.view.as_event()

    async def _scan(self, args: dict, actor: str) -> dict:
        text = args.get("text")
        if not isinstance(text, str):
            raise StationError("scan needs the scanned text", http_status=422)
        view = await asyncio.wrap_future(self.counter.scan(text))
        return view.as_event()

    async def _pin(self, args: dict, actor: str) -> dict:
        session, pin = args.get("session"), args.get("pin")
        if not isinstance(session, str) or not isinstance(pin, str) or not pin.isdigit() or len(pin) > 12:
            raise StationError("pin needs a session and a PIN of digits", http_status=422)
        view = await asyncio.wrap_future(self.counter.enter_pin(session, pin))
        return view.as_event()

    async def _report_problem(self, args: dict, actor: str) -> dict:
        problem = args.get("problem")
        if problem not in PROBLEMS:
            raise StationError(f"problem must be one of {', '.join(PROBLEMS)}", http_status=422)
        view = self.counter.view
        raised = await asyncio.to_thread(
            alarms.raise_alarm, self.daemon.conn, f"citizen_{problem}", PROBLEMS[problem]["en"],
            job=args.get("job") if isinstance(args.get("job"), str) else None, slot=view.slot, actor="citizen")
        self.daemon.events.publish("alarm", raised.as_dict())
        return raised.as_dict()


class LoaderPart:
    """Locker stations: printed documents into slots."""

    name = "loader"

    def __init__(self, devices: Devices) -> None:
        self.devices = devices

    async def start(self, daemon: Daemon) -> None:
        self.loader = Loader(daemon.cfg, self.devices.locker, daemon.events.publish)
        self.devices.listeners.append(self.loader.on_lock_event)
        await asyncio.to_thread(self.loader.start)

    async def stop(self) -> None:
        await asyncio.to_thread(self.loader.stop)


class PrintPart:
    """The print stage on its own thread (pycups calls block)."""

    name = "printing"

    def __init__(self, devices: Devices) -> None:
        self.devices = devices
        self.conn: sqlite3.Connection | None = None

    async def start(self, daemon: Daemon) -> None:
        cfg = daemon.cfg
        self.conn = spool.connect(cfg.spool_path)
        sensor = None
        if cfg.station.kind == Flow.DISPENSER.value:
            shutter = cfg.dispenser.shutter

            def sensor(job: Any = None) -> bool:
                return self.devices.locker.status(shutter).item.value == "present"

        self.stage = PrintStage.from_config(cfg, self.conn, self.devices.printer, sensor=sensor,
                                            events=daemon.events)
        self.stage.start()

    async def stop(self) -> None:
        await asyncio.to_thread(self.stage.stop)
        if self.conn is not None:
            self.conn.close()


def build_parts(cfg: Config, config_path: Path) -> list[Part]:
    """Every part of the station, in start order."""
    devices = Devices()
    parts: list[Any] = [devices, CounterPart(devices)]
    if cfg.station.kind == Flow.LOCKER.value:
        parts.append(LoaderPart(devices))
    parts += [RenderStage(config_path), PrintPart(devices)]
    try:
        from .backoffice.feed import FeedPart
    except ImportError:  # the feed is optional for a station run from imported files only
        FeedPart = None  # noqa: N806
    if FeedPart is not None:
        parts.append(FeedPart())
    parts.append(Timers())
    try:
        from .web.part import WebPart
    except ImportError:
        WebPart = None  # noqa: N806
    if WebPart is not None:
        parts.append(WebPart())
    return parts


def job_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Jobs per state (for the live summary)."""
    return jobs.count_by_state(conn)
