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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import spool
from spool import rfc3339
from spool import alarms, jobs, slots
from spool.states import Flow

from station import operations
from station.release import tray_check
from station.config import Config
from station.release.counter import Counter
from station.runtime import ops
from station.parts.arguments import job_arg, operator
from station.parts.devices import DevicesPart
from station.runtime.disk import DiskWatch
from station.errors import StationError
from station.parts.slot_ops import SlotOpsPart
from station.parts.take_out import TakeOutPart
from station.parts.technician import TechnicianPart
from station.release.loading import Loader
from station.printing.policy import ShutterBin
from station.printing.stage import PrintStage
from station.templates.stage import RenderStage
from station.parts.timers import Timers
from station.trust import pickup_code
from station.trust.store import TrustFile
from station.trust.watch import TrustWatch

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon, Part

log = logging.getLogger("station.assembly")


class SlotsPart:
    """The slot table follows the configuration: reconciled at every start, before any lock moves."""

    name = "slots"

    async def start(self, daemon: Daemon) -> None:
        done = await asyncio.to_thread(slots.reconcile, daemon.conn, daemon.cfg.slot_layout())
        if done.changed:
            log.info("slots reconciled with the configuration", extra={"fields": {
                "added": len(done.added), "retired": len(done.retired), "restored": len(done.restored),
                "renamed": len(done.renamed), "gone_occupied": len(done.gone_occupied)}})
        for slot in done.gone_occupied:
            alarms.raise_alarm(daemon.conn, "slot_not_configured", f"slot {slot} is no longer in the configuration"
                               " but holds a document: it will not be opened; take the document out by hand",
                               slot=slot, severity="critical")

    async def stop(self) -> None:
        """Nothing runs."""


class JobOpsPart:
    """Operator actions on jobs over the control socket (the shell, the web app): the rules of `operations`."""

    name = "job-ops"

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        for op, handler in ((ops.JOB_RETRY, self._retry), (ops.JOB_CANCEL, self._cancel),
                            (ops.JOB_EXTEND, self._extend),
                            (ops.JOB_CONFIRM_COLLECTED, self._confirm_collected),
                            (ops.JOB_PAPER_INSIDE, self._paper_inside), (ops.JOB_TRAY_CHECKED, self._tray_checked)):
            daemon.control.register(op, handler)

    async def stop(self) -> None:
        """Nothing runs."""

    async def _retry(self, args: dict, actor: str) -> dict:
        return self._done(operations.retry(self.daemon.conn, job_arg(args), actor=operator(actor)))

    async def _cancel(self, args: dict, actor: str) -> dict:
        reason = args.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise StationError("cancelling needs a reason", http_status=422)
        return self._done(operations.cancel(self.daemon.conn, job_arg(args), actor=operator(actor), reason=reason))

    async def _extend(self, args: dict, actor: str) -> dict:
        try:
            until = rfc3339.parse(args.get("until"))
        except rfc3339.TimeTextError:
            raise StationError("extend needs 'until', an RFC 3339 time", http_status=422) from None
        return self._done(operations.extend(self.daemon.conn, job_arg(args), until, actor=operator(actor)))

    async def _confirm_collected(self, args: dict, actor: str) -> dict:
        """(issue 22) Staff looked in the slot: empty."""
        return self._done(operations.confirm_collected(self.daemon.conn, job_arg(args), actor=operator(actor)))

    async def _paper_inside(self, args: dict, actor: str) -> dict:
        """(issue 22) Staff looked in the slot: the paper is still there."""
        return self._done(operations.paper_inside(self.daemon.conn, job_arg(args), actor=operator(actor)))

    async def _tray_checked(self, args: dict, actor: str) -> dict:
        """(issue 22) Staff looked in the printer's tray for an extra copy: found and destroyed, or none."""
        found = args.get("found")
        if not isinstance(found, bool):
            raise StationError("a tray check needs 'found': true (one copy found and destroyed) or false (none)",
                               http_status=422)
        job = job_arg(args)
        alarm = tray_check.confirm(self.daemon.conn, job, found=found, actor=operator(actor))
        return {"job": job, "alarm": alarm.id, "found": found}

    @staticmethod
    def _done(job: jobs.Job) -> dict:
        return {"job": job.id, "state": job.state.value, "slot": job.slot}




class CounterPart:
    """The release flow, fed by the scanner and the kiosk, watching the lock events."""

    name = "counter"

    def __init__(self, devices: DevicesPart, disk: DiskWatch | None = None) -> None:
        self.devices, self.disk = devices, disk

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        cfg = daemon.cfg
        trust = TrustFile(cfg.path(cfg.paths.trust_store))  # type: ignore[arg-type]
        self.counter = Counter(cfg, trust, self.devices.locker, daemon.events.publish)
        self.devices.listeners.append(self.counter.on_lock_event)
        daemon.events.listen("job", self.counter.wake_on_job)  # (issue 27) a dispenser presents at once
        await asyncio.to_thread(self.counter.start)
        if self.disk is not None:
            self.disk.on_service(self.counter.set_out_of_service)  # (issue 15) disk full: out of service
        self.counter.resume_watches()
        self.devices.start_scanner(self.counter.scan)
        # (A citizen's problem report is the web app's: `station.web.actions.report_problem`.)
        for op, handler in ((ops.KIOSK_VIEW, self._kiosk), (ops.KIOSK_SCAN, self._scan), (ops.KIOSK_PIN, self._pin),
                            (ops.KIOSK_CODE, self._code), (ops.KIOSK_PIN_CANCEL, self._pin_cancel),
                            (ops.JOB_HANDOVER, self._handover),
                            (ops.SCANNER_NOISE, self._scan_noise)):
            daemon.control.register(op, handler)

    async def stop(self) -> None:
        await asyncio.to_thread(self.counter.stop)

    async def _kiosk(self, args: dict, actor: str) -> dict:
        return self.counter.view.as_event()

    async def _scan_noise(self, args: dict, actor: str) -> dict:
        """The noise lines dropped since the daemon started, by why (asked at each scrape: exact even when
        the web process was not listening when they came)."""
        return dict(self.counter.repeats.noise_seen)  # a plain dict copy: atomic under the GIL

    async def _scan(self, args: dict, actor: str) -> dict:
        text = args.get("text")
        if not isinstance(text, str):
            raise StationError("scan needs the scanned text", http_status=422)
        view = await asyncio.wrap_future(self.counter.scan(text, typed=True))
        return view.as_event()

    async def _pin(self, args: dict, actor: str) -> dict:
        session, pin = args.get("session"), args.get("pin")
        if not isinstance(session, str) or not isinstance(pin, str) or not pin.isdigit() or len(pin) > 12:
            raise StationError("pin needs a session and a PIN of digits", http_status=422)
        view = await asyncio.wrap_future(self.counter.enter_pin(session, pin))
        return view.as_event()

    async def _code(self, args: dict, actor: str) -> dict:
        code = args.get("code")
        if not isinstance(code, str):
            raise StationError("code needs the typed pickup code", http_status=422)
        pickup_code.parse(code)  # 422 for what is no code at all: nothing reaches the counter
        return (await asyncio.wrap_future(self.counter.enter_code(code))).as_event()

    async def _handover(self, args: dict, actor: str) -> dict:
        """(issue 24) Hand a PIN-locked document over after an ID check: operators and above, with a reason."""
        staff = operator(actor)
        job, nik_last4, reason = args.get("job"), args.get("nik_last4"), args.get("reason")
        if not isinstance(job, str) or not isinstance(nik_last4, str) or not isinstance(reason, str) \
                or not reason.strip():
            raise StationError("a hand-over needs the job, the NIK's last 4 digits and a reason", http_status=422)
        result = await asyncio.wrap_future(self.counter.hand_over(job, nik_last4, reason.strip(), staff))
        if isinstance(result, StationError):
            raise result
        return {"job": job, "state": "released", "handed_over": True, "screen": result.screen.value,
                "slot": result.slot}

    async def _pin_cancel(self, args: dict, actor: str) -> dict:
        session = args.get("session")
        if not isinstance(session, str):
            raise StationError("pin_cancel needs the session", http_status=422)
        return (await asyncio.wrap_future(self.counter.cancel_pin(session))).as_event()


class LoaderPart:
    """Locker stations: printed documents into slots."""

    name = "loader"

    def __init__(self, devices: DevicesPart) -> None:
        self.devices = devices

    async def start(self, daemon: Daemon) -> None:
        self.loader = Loader(daemon.cfg, self.devices.locker, daemon.events.publish)
        self.devices.listeners.append(self.loader.on_lock_event)
        self._unlisten = daemon.events.listen("job", self.loader.wake_on_job)  # (issue 27) printed: load it now
        await asyncio.to_thread(self.loader.start)

    async def stop(self) -> None:
        self._unlisten()
        await asyncio.to_thread(self.loader.stop)


class PrintPart:
    """The print stage on its own thread (pycups calls block)."""

    name = "printing"

    def __init__(self, devices: DevicesPart) -> None:
        self.devices = devices
        self.conn: sqlite3.Connection | None = None
        self._unlisten: Callable[[], None] = lambda: None

    async def start(self, daemon: Daemon) -> None:
        cfg = daemon.cfg
        self.conn = spool.connect(cfg.spool_path)
        # Dispenser: the bin behind the shutter is the output sensor (paper seen, or an empty bin).
        output_bin = (ShutterBin(self.devices.locker, cfg.dispenser.shutter)
                      if cfg.station.kind == Flow.DISPENSER.value else None)
        self.stage = PrintStage.from_config(cfg, self.conn, self.devices.printer, output_bin=output_bin,
                                            events=daemon.events)
        # (issue 27) Woken by the events that concern it: a release, a rendered document, a cancel; and, at
        # a dispenser, the bin's sensor seeing the paper (printed now, presented at once).
        self._unlisten = self.stage.listen(daemon.events, cfg.dispenser.shutter if output_bin is not None else None)
        self.stage.start()

    async def stop(self) -> None:
        self._unlisten()
        await asyncio.to_thread(self.stage.stop)
        if self.conn is not None:
            self.conn.close()


def build_parts(cfg: Config, config_path: Path) -> list[Part]:
    """Every part of the station, in start order."""
    # Each part is handed the parts it uses (constructor injection): none looks another up on the daemon.
    disk, devices, trust = DiskWatch(cfg), DevicesPart(), TrustWatch()
    try:
        from station.backoffice.feed import FeedPart
    except ImportError:  # the feed is optional for a station run from imported files only
        FeedPart = None  # noqa: N806
    feed = FeedPart(disk) if FeedPart is not None else None
    slot_ops = SlotOpsPart(devices)
    parts: list[Any] = [disk, SlotsPart(), devices, slot_ops, TakeOutPart(slot_ops), trust,
                        CounterPart(devices, disk), JobOpsPart(), TechnicianPart(devices, trust, feed)]
    if cfg.station.kind == Flow.LOCKER.value:
        parts.append(LoaderPart(devices))
    parts += [RenderStage(config_path, disk), PrintPart(devices)]
    if feed is not None:
        parts.append(feed)
    parts.append(Timers(devices))
    try:
        from station.web.part import WebPart
    except ImportError:
        WebPart = None  # noqa: N806
    if WebPart is not None:
        parts.append(WebPart())
    return parts


def job_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Jobs per state (for the live summary)."""
    return jobs.count_by_state(conn)
