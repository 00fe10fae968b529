"""The counter: the release story of one kiosk, one scan at a time.

A scan arrives; the token is verified; the document is found; if the token
asks for a PIN, the kiosk asks for it; then the station's release flow
takes over (`release.locker` unlocks and watches the door,
`release.dispenser` prints into the bin and presents the paper).

Everything happens on one thread of its own (`Counter.start`), fed by a
queue: scans, PIN entries, lock events and a clock tick. One thread means
no locks and a fixed order; nothing slower (the web app, rendering, the
printer) shares it, so a citizen never waits behind a dashboard.
"""

from __future__ import annotations

import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import spool
from drivers.locks.model import EventKind, LockEvent
from spool import alarms, jobs
from spool.states import Flow, JobState

from station.trust import token as tokens_module
from station.config import Config
from station.events import Event
from station.release.kiosk import KioskView, Screen, at_time
from station.release.clock_guard import ClockGuard
from station.release.dispenser import DispenserRelease
from station.release.eligibility import releasable
from station.release.inbox import Inbox
from station.release.locker import LockerRelease
from station.release.lockout import ScanLockout
from station.release.pin_pad import PinPad
from station.release.ports import LockPort, ReleaseFlow
from station.release.repeats import Repeats, not_a_scan
from station.release.screens import job_view, message, waiting
from station.release.internal_alarm import internal_alarm
from station.release.session import ReleaseRefused, Session
from station.release.typed_code import TypedCodes
from station.release.handover import HandOver
from station.release import screens
from station.release.refusal_detail import detailed, station_name
from station.release import banner
from station.errors import StationError
from spool.errors import SpoolError
from station.trust.store import TrustStore

log = logging.getLogger("station.counter")

TICK_S = 0.2
# Job states that move a dispenser's presentation on (the paper printed: present it; held: end it).
_MOVES_A_PRESENTATION = frozenset({JobState.PRINTED.value, JobState.HELD.value, JobState.CANCELLED.value})
RESULT_SCREEN_S = 8.0
class Counter:
    """The release story of one kiosk; the `Desk` its release flow works at."""

    name = "counter"

    def __init__(self, cfg: Config, trust: TrustStore | Callable[[], TrustStore], locker: LockPort,
                 publish: Callable[[str, dict], Any], *, clock: Callable[[], float] = time.time) -> None:
        self.cfg = cfg
        self.trust = trust
        self.locker = locker
        self.publish = publish
        self.clock = clock
        self.policy = tokens_module.release_policy(cfg.release)
        self.kind = Flow(cfg.station.kind)
        self.flow: ReleaseFlow = DispenserRelease(self) if self.kind is Flow.DISPENSER else LockerRelease(self)
        self._inbox = Inbox()
        self.pins = PinPad(self)
        self.codes = TypedCodes(self)
        self._thread: threading.Thread | None = None
        self._conn: sqlite3.Connection | None = None
        self.view = KioskView(Screen.IDLE)
        self._view_until: float | None = None
        self.session: Session | None = None
        self.repeats = Repeats()  # (issue 22) a continuous-mode scanner's repeats are no refusals
        self.lockout = ScanLockout(cfg.release.refused_scans_per_minute, cfg.release.scanner_lockout_seconds)
        self.clock_guard = ClockGuard(self, lambda: self.clock())  # (issue 22) durable: the spool keeps the mark
        self.out_of_service: str | None = None  # (issue 15) why no release may start now (disk_full)
        self.serving: str | None = None  # (issue 22) the job the input at hand is about, named by an internal error
        self.about: str | None = None  # (issue 24) the document a token or code names, found or not
        self._banner_until: float | None = None  # (issue 24) monotonic: when the next person's banner clears

    @property
    def conn(self) -> sqlite3.Connection:
        assert self._conn is not None, "the counter is not started"
        return self._conn

    # -- life ----------------------------------------------------------------

    def start(self) -> None:
        """Open the spool, pick up what a crash interrupted, and start the counter thread."""
        self._conn = spool.connect(self.cfg.spool_path)
        self.clock_guard.start()
        try:
            self.locker.refresh(timeout=3.0)
        except Exception as err:  # noqa: BLE001 - recovery asks each slot; unknown stays unknown
            log.warning("recovery: could not read the lock boards: %s", err)
        self.flow.recover()
        self._thread = threading.Thread(target=self._run, name="counter", daemon=True)
        self._thread.start()
        self.show(KioskView(Screen.IDLE))

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the input in progress, then stop (what is left resumes after a restart)."""
        if self._thread is not None:
            self._inbox.put(0, "stop", None)
            self._thread.join(timeout)
            self._thread = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- inputs (any thread) ---------------------------------------------------

    def scan(self, text: str, *, received_at: float | None = None, typed: bool = False) -> Future:
        """A scan line arrived (from the scanner, or `typed` at the kiosk); the future gives the view."""
        return self._inbox.put(1, "scan", (text, received_at or time.monotonic(), typed))

    def enter_pin(self, session: str, pin: str) -> Future:
        """The citizen entered a PIN on the kiosk's pad."""
        return self._inbox.put(1, "pin", (session, pin))

    def enter_code(self, code: str) -> Future:
        """(issue 24) The citizen typed the 12-digit pickup code (PROTOCOLS §4.1) in place of a QR."""
        return self._inbox.put(1, "code", (code, time.monotonic()))

    def hand_over(self, job_id: str, nik_last4: str, reason: str, actor: str) -> Future:
        """(issue 24) Staff checked the citizen's KTP: release a locked document (the future: a view or the error)."""
        return self._inbox.put(1, "handover", (job_id, nik_last4, reason, actor))

    def cancel_pin(self, session: str) -> Future:
        """(issue 24) The citizen left the PIN pad: the session ends, the kiosk goes back to idle."""
        return self._inbox.put(1, "pin_cancel", session)

    def set_out_of_service(self, reason: str | None) -> None:
        """The station cannot record releases (`disk_full`), or can again (None); from any thread."""
        self._inbox.put(0, "service", reason)

    def on_lock_event(self, event: LockEvent) -> None:
        """A lock bus reported a change (called from the bus thread)."""
        # Same priority as scans: events must stay in order with the releases they follow.
        self._inbox.put(1, "lock", event)

    def wake_on_job(self, event: Event) -> None:
        """(issue 27) A job was printed or held (`EventBus.listen("job", ...)`, any thread): the presentation
        it may concern moves on now, not at the next clock tick."""
        if self.kind is Flow.DISPENSER and event.data.get("state") in _MOVES_A_PRESENTATION:
            self._inbox.put(2, "tick", None)

    def resume_watches(self) -> Future:
        """Settle what closed or came out while the station was down (call once the buses have read)."""
        return self._inbox.put(2, "resume", None)

    # -- the thread --------------------------------------------------------------

    def _run(self) -> None:
        handlers = {"scan": self._on_scan, "pin": self._on_pin, "lock": self._on_lock, "code": self._on_code,
                    "pin_cancel": self._on_pin_cancel, "handover": self._on_handover,
                    "resume": lambda _: self.flow.resume(), "service": self._on_service,
                    "tick": lambda _: None}  # (the tick follows every input)
        while (item := self._inbox.get(TICK_S)) is None or item.kind != "stop":
            if item is not None:
                self.serving = self.about = None
                result = self._safely(handlers[item.kind], item.payload)
                if not item.reply.done():
                    item.reply.set_result(result)
            self._safely(self._tick)
        item.reply.set_result(None)

    def _safely(self, handler: Callable[..., Any], *args: Any) -> Any:
        try:
            return handler(*args)
        except ReleaseRefused as refusal:
            return self._refuse(refusal)
        except Exception as err:  # noqa: BLE001 - bad input or a device fault never stops the counter
            log.exception("counter: %s failed", getattr(handler, "__name__", handler))
            internal_alarm(self, self.serving, err)
            return self.show(KioskView(Screen.ASK_STAFF, reason="internal", message=message("internal")),
                             hold=RESULT_SCREEN_S)

    # -- the story ---------------------------------------------------------------

    def _on_scan(self, payload: tuple[str, float, bool]) -> KioskView:
        text, scanned_at, typed = payload
        now = self.clock()
        if (screened := not_a_scan(self.repeats, text, self.view, self.publish,
                                   lambda view: self.show(view, hold=RESULT_SCREEN_S), typed=typed)) is not None:
            return screened  # (issue 22) noise is dropped and counted, a repeat is the citizen's own scan
        if self.lockout.locked():
            return self.view  # the scanner is ignored for a while; the screen already says so
        if self.out_of_service:
            return self.show(KioskView(Screen.IDLE))  # nothing can be recorded: the screen says so
        if (queued := self._next_in_queue()) is not None:
            return queued
        self.session = None  # a new scan replaces a PIN prompt nobody answered
        self.show(KioskView(Screen.CHECKING))
        self.clock_guard.check(now)
        return self._serve(self._verify(text, now), scanned_at, now, text)

    def _on_code(self, payload: tuple[str, float]) -> KioskView:
        """(issue 24) A typed code: checked like a scan, then served exactly like the token it stands for."""
        typed, typed_at = payload
        now = self.clock()
        if self.lockout.locked():
            return self.view  # wrong codes lock the kiosk as wrong PINs do; the screen already says so
        if self.out_of_service:
            return self.show(KioskView(Screen.IDLE))
        if (queued := self._next_in_queue()) is not None:
            return queued
        self.session = None
        self.show(KioskView(Screen.CHECKING))
        self.clock_guard.check(now)
        return self._serve(self.codes.claims(typed, now), typed_at, now, None)

    def _next_in_queue(self) -> KioskView | None:
        """(issue 24) A dispenser serving someone: the current view again, with a banner for the next person."""
        wait = self.flow.busy() if isinstance(self.flow, DispenserRelease) else None
        if wait is None:
            return None
        self._banner_until = time.monotonic() + banner.BANNER_S
        return self._republish(banner.with_banner(self.view, wait))

    def _republish(self, view: KioskView) -> KioskView:
        """The same screen, changed in place: its hold (if any) runs on."""
        self.view = view
        self.publish("kiosk", view.as_event())
        return view

    def _serve(self, claims: tokens_module.TokenClaims, scanned_at: float, now: float,
               text: str | None) -> KioskView:
        """A verified token's (or a right code's) document: refused, its PIN asked, or released."""
        self.about = claims.doc  # (issue 24) a refusal names what it knows of this document (who cancelled it...)
        job, reopen = releasable(self.conn, claims, self.kind, now, self.cfg.release.reopen_grace_seconds)
        self.serving = job.id
        if not reopen:
            self.flow.check_ready()  # busy, or paper in the bin: refused before the token is spent
        session = Session(secrets.token_urlsafe(9), claims, job.id, job.slot, scanned_at, time.monotonic(),
                          reopen=reopen)
        self.session = session
        if text is not None:
            self.repeats.scanned(session.id, text)
        if claims.pin and not reopen:
            return self.pins.ask(session, job)
        return self._release(session)

    def _verify(self, text: str, now: float) -> tokens_module.TokenClaims:
        store = self.trust() if callable(self.trust) else self.trust  # the store as it is now
        try:
            return tokens_module.verify(text, store, self.cfg.station.id, now=now, **self.policy)
        except tokens_module.TokenRefused as refused:
            words = None
            if refused.reason == "wrong_station" and refused.claims is not None:
                # (issue 24) an authentic token names the station the document waits at: say which
                words = screens.wrong_station(station_name(self.cfg, refused.claims.station))
            raise ReleaseRefused(refused.reason, str(refused), words=words) from None

    def _on_pin(self, payload: tuple[str, str]) -> KioskView:
        session_id, pin = payload
        session = self.session
        if session is None or session.id != session_id or session.waiting_pin_until is None:
            return self._refuse(ReleaseRefused("pin_required", "no PIN was asked for"), count=False)
        self.serving = session.job_id
        view = self.pins.check(session, pin)
        if view is not None and view.reason == "pin_wrong" and self.lockout.refused("pin_wrong"):
            return self._locked_out("pin_wrong")  # (issue 22) a wrong PIN is attack-like
        return self._release(session) if view is None else view

    def _on_pin_cancel(self, session_id: str) -> KioskView:
        """The citizen pressed Cancel on the PIN pad: nothing is spent, the kiosk waits for the next citizen."""
        session = self.session
        if session is not None and session.id == session_id and session.waiting_pin_until is not None:
            self.session = None
            return self.show(KioskView(Screen.IDLE))
        return self.view  # already gone (timed out, replaced): the screen shows what is true now

    def _on_handover(self, payload: tuple[str, str, str, str]) -> KioskView | StationError:
        """Staff's refusal is the staff's answer, never the kiosk's screen: it is returned, not shown."""
        self.serving = payload[0]
        try:
            return HandOver(self, self.flow).release(*payload)
        except StationError as err:
            return err
        except SpoolError as err:  # the audit refused the reason (it looked like personal data)
            return StationError(str(err), http_status=422)

    def _release(self, session: Session) -> KioskView:
        self.session = None
        view = self.flow.release(session)
        self.repeats.released(session.id, view, time.monotonic())
        return view

    def _on_lock(self, event: LockEvent) -> None:
        if event.kind is EventKind.DOOR_FORCED:
            self.alarm("door_forced", f"door {event.slot} opened without an unlock", slot=event.slot,
                       severity="critical")
        elif event.kind is EventKind.DOOR_LEFT_OPEN:
            self.alarm("door_left_open", f"door {event.slot} has been open too long", slot=event.slot)
        elif event.kind is EventKind.BUS_UNREACHABLE:
            self.alarm("bus_unreachable", f"lock bus {event.bus} unreachable", device=f"bus:{event.bus}")
        elif event.kind is EventKind.BUS_BACK:  # (issue 15) the condition ended: the alarm clears itself
            if alarms.clear(self.conn, "bus_unreachable", device=f"bus:{event.bus}", why="the bus answers again"):
                self.publish("alarm", {"kind": "bus_unreachable", "device": f"bus:{event.bus}", "open": False})
        self.flow.on_lock(event)

    # -- time ----------------------------------------------------------------

    def _tick(self) -> None:
        now = time.monotonic()
        session = self.session
        if session and session.waiting_pin_until and now > session.waiting_pin_until:
            self.session = None
            self.show(KioskView(Screen.IDLE))
        elif session and session.waiting_pin_until:
            try:
                self.pins.follow(session)
            except ReleaseRefused as moved:  # (issue 22) the job moved while the pad waited: say where it is now
                self._refuse(moved, count=False)
        if self._banner_until is not None and now > self._banner_until:
            self._banner_until = None
            if self.view.banner is not None:
                self._republish(banner.without_banner(self.view))
        self.flow.tick()
        self.clock_guard.tick()
        if self._view_until is not None and now > self._view_until and self.session is None:
            back = self.flow.current_view()
            if back is not None:
                self.show(back)
            elif self.flow.idle():
                self.show(KioskView(Screen.IDLE))

    def note_clock(self) -> None:
        """Nothing to do: every recorded entry raises the spool's mark (`audit.latest_time`)."""

    # -- screens, refusals, alarms ------------------------------------------------

    def _refuse(self, refusal: ReleaseRefused, *, count: bool = True) -> KioskView:
        self.session = None
        log.info("release refused", extra={"fields": {"reason": refusal.reason}})
        if count and self.lockout.refused(refusal.reason):
            return self._locked_out(refusal.reason)
        refusal = detailed(self.conn, self.cfg, refusal, self.serving or self.about)  # (issue 24) who cancelled, how long
        progress = {"state": refusal.progress} if refusal.progress else None
        text = refusal.words or (waiting(refusal.retry_after_s) if refusal.retry_after_s else message(refusal.reason))
        return self.show(KioskView(refusal.screen, reason=refusal.reason, message=text, job=progress,
                                   retry_after_s=refusal.retry_after_s, **refusal.view), hold=RESULT_SCREEN_S)

    def _locked_out(self, reason: str) -> KioskView:
        self.session = None
        seconds = self.cfg.release.scanner_lockout_seconds
        # (issue 24) `until` is fixed here, at the lockout's start: input during it is ignored and never moves it.
        until = at_time(time.time() + seconds)
        self.alarm("scanner_locked_out", "too many refused scans; the scanner is ignored for a while",
                   device="scanner", severity="info")
        return self.show(KioskView(Screen.LOCKED_OUT, reason=reason, message=message("locked_out"),
                                   retry_after_s=seconds, until=until), hold=seconds)

    def alarm(self, kind: str, message: str, *, severity: str = "warning", job: str | None = None,
              slot: str | None = None, device: str | None = None) -> None:
        raised = alarms.raise_alarm(self.conn, kind, message, severity=severity, job=job, slot=slot, device=device)
        self.publish("alarm", raised.as_dict())

    def _on_service(self, reason: str | None) -> None:
        self.out_of_service = reason
        if reason:
            log.warning("counter out of service: %s", reason)
        else:
            log.info("counter back in service")
        if self.session is None and self.flow.idle():
            self.show(KioskView(Screen.IDLE))

    def show(self, view: KioskView, *, hold: float | None = None) -> KioskView:
        if view.screen is Screen.IDLE and self.out_of_service:
            # (issue 15) where the kiosk would wait for a scan, it says it cannot serve now.
            view = KioskView(Screen.OUT_OF_SERVICE, reason=self.out_of_service, message=message("out_of_service"))
        self.view = view
        self._view_until = time.monotonic() + hold if hold else None
        self.publish("kiosk", view.as_event())
        return view

    def job_view(self, job_id: str) -> dict[str, Any]:
        return job_view(jobs.get_job(self.conn, job_id))
