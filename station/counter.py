"""The counter: the release flow, told as one story.

A scan arrives; the token is verified; the document is found; if the token
asks for a PIN, the kiosk asks for it; the token id and the release are
recorded, durably; the slot is unlocked; the door is watched. Opened, then
closed with the paper gone: `collected`. Closed with the paper still there:
back to `staged` (the citizen may scan again). `jammed`: held, alarm, ask
staff. `unknown`: alarm, never sent again.

Everything happens on one thread of its own (`Counter.start`), fed by a
queue: scans, PIN entries, lock events and a clock tick. One thread means
no locks and a fixed order; nothing slower (the web app, rendering, the
printer) shares it, so a citizen never waits behind a dashboard.
"""

from __future__ import annotations

import json
import logging
import queue
import secrets
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import spool
from drivers.locks.errors import LockError, UnlockNotSent
from drivers.locks.model import Door, EventKind, Item, LockEvent, Outcome
from spool import alarms, audit, jobs, machine, tokens
from spool.slots import parse_slot_id
from spool.states import Flow, JobState

from . import token as tokens_module
from .config import Config
from .kiosk import KioskView, Screen
from .logs import mask_name
from .pin import PinVerifierError, check_pin
from .trust import TrustStore

log = logging.getLogger("station.counter")

TICK_S = 0.2
PIN_TIMEOUT_S = 90.0
RESULT_SCREEN_S = 8.0
CLOCK_TOLERANCE_S = 1.0
REFUSAL_WINDOW_S = 60.0
UNLOCK_RESULT_TIMEOUT_S = 15.0


class Refusal(Exception):
    """The release stops here; the citizen reads why."""

    def __init__(self, reason: str, detail: str = "", *, screen: Screen = Screen.REFUSED,
                 progress: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.screen = screen
        self.progress = progress  # where the document is, when it is not ready yet


@dataclass
class Session:
    """One citizen's release in progress."""

    id: str
    claims: tokens_module.TokenClaims
    job_id: str
    slot: str | None
    scanned_at: float
    waiting_pin_until: float | None = None
    reopen: bool = False


@dataclass
class DoorWatch:
    """A door the counter opened and is waiting to see closed."""

    job_id: str
    slot: str
    session: str
    opened_at: float
    reopen: bool = False
    seen_open: bool = False
    alarmed: bool = False
    since: float = 0.0  # wall-clock time the unlock was asked for: older lock events are not about it


@dataclass
class Presentation:
    """Dispenser: a document being printed, then presented in the bin."""

    job_id: str
    session: str
    presented_at: float | None = None


@dataclass(order=True)
class _Input:
    priority: int
    seq: int
    kind: str = field(compare=False)
    payload: Any = field(compare=False)
    reply: Future | None = field(compare=False, default=None)


Unlocker = Callable[[str], Any]


class Counter:
    """The release flow of one kiosk."""

    name = "counter"

    def __init__(self, cfg: Config, trust: TrustStore | Callable[[], TrustStore], locker: Any, publish: Callable[[str, dict], Any],
                 *, clock: Callable[[], float] = time.time) -> None:
        self.cfg = cfg
        self.trust = trust
        self.locker = locker
        self.publish = publish
        self.clock = clock
        self.policy = tokens_module.release_policy(cfg.release)
        self.flow = Flow(cfg.station.kind)
        self._inputs: queue.PriorityQueue[_Input] = queue.PriorityQueue()
        self._seq = 0
        self._seq_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.conn: sqlite3.Connection | None = None
        self.view = KioskView(Screen.IDLE)
        self._view_until: float | None = None
        self.session: Session | None = None
        self.watches: dict[str, DoorWatch] = {}
        self.presentation: Presentation | None = None
        self._refusals: deque[float] = deque()
        self._locked_out_until = 0.0
        self._clock_high_water = 0.0
        self.last_release: dict[str, float] = {}  # bench: timings of the last release

    # -- life ----------------------------------------------------------------

    def start(self) -> None:
        """Open the spool, recover releases a crash interrupted, and start the counter thread."""
        self.conn = spool.connect(self.cfg.spool_path)
        self._clock_high_water = _latest_recorded(self.conn)
        self._recover()
        self._thread = threading.Thread(target=self._run, name="counter", daemon=True)
        self._thread.start()
        self._show(KioskView(Screen.IDLE))

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the input in progress, then stop (door watches resume after a restart)."""
        if self._thread is not None:
            self._put(0, "stop", None)
            self._thread.join(timeout)
            self._thread = None
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    # -- inputs (any thread) ---------------------------------------------------

    def scan(self, text: str, *, received_at: float | None = None) -> Future:
        """A scan line arrived (from the scanner, or typed at the kiosk); the future gives the view."""
        return self._put(1, "scan", (text, received_at or time.monotonic()))

    def enter_pin(self, session: str, pin: str) -> Future:
        """The citizen entered a PIN on the kiosk's pad."""
        return self._put(1, "pin", (session, pin))

    def on_lock_event(self, event: LockEvent) -> None:
        """A lock bus reported a change (called from the bus thread)."""
        # Same priority as scans: events must stay in order with the releases they follow.
        self._put(1, "lock", event)

    def _put(self, priority: int, kind: str, payload: Any) -> Future:
        reply: Future = Future()
        with self._seq_lock:
            self._seq += 1
            seq = self._seq
        self._inputs.put(_Input(priority, seq, kind, payload, reply))
        return reply

    # -- the thread --------------------------------------------------------------

    def _run(self) -> None:
        while True:
            try:
                item = self._inputs.get(timeout=TICK_S)
            except queue.Empty:
                self._safely(self._tick)
                continue
            if item.kind == "stop":
                if item.reply:
                    item.reply.set_result(None)
                return
            handler = {"scan": self._on_scan, "pin": self._on_pin, "lock": self._on_lock,
                       "resume": self._resume}[item.kind]
            result = self._safely(handler, item.payload)
            if item.reply is not None and not item.reply.done():
                item.reply.set_result(result)
            self._safely(self._tick)

    def _safely(self, handler: Callable[..., Any], *args: Any) -> Any:
        try:
            return handler(*args)
        except Exception:  # noqa: BLE001 - bad input or a device fault never stops the counter
            log.exception("counter: %s failed", getattr(handler, "__name__", handler))
            return self._show(KioskView(Screen.ASK_STAFF, reason="internal",
                                        message=_message("internal")), hold=RESULT_SCREEN_S)

    # -- the story ---------------------------------------------------------------

    def _on_scan(self, payload: tuple[str, float]) -> KioskView:
        text, scanned_at = payload
        now = self.clock()
        if time.monotonic() < self._locked_out_until:
            return self.view  # the scanner is ignored for a while; the screen already says so
        if self.session is not None and self.session.waiting_pin_until is not None:
            self._end_session()  # a new scan replaces a PIN prompt nobody answered
        self._show(KioskView(Screen.CHECKING))
        try:
            self._check_clock(now)
            claims = self._verify(text, now)
            job, reopen = self._find_releasable(claims, now)
        except Refusal as refusal:
            return self._refuse(refusal)
        session = Session(secrets.token_urlsafe(9), claims, job.id, job.slot or None, scanned_at, reopen=reopen)
        self.session = session
        if claims.pin and not reopen:
            return self._ask_pin(session, job)
        return self._release(session)

    def _verify(self, text: str, now: float) -> tokens_module.TokenClaims:
        try:
            store = self.trust() if callable(self.trust) else self.trust  # the store as it is now
            return tokens_module.verify(text, store, self.cfg.station.id, now=now, **self.policy)
        except tokens_module.TokenRefused as refused:
            raise Refusal(refused.reason, str(refused)) from None

    def _find_releasable(self, claims: tokens_module.TokenClaims, now: float) -> tuple[jobs.Job, bool]:
        """The job this token may release now, and whether it is a grace re-open."""
        assert self.conn is not None
        job = jobs.find_job(self.conn, claims.doc)
        if job is None:
            raise Refusal("unknown_document", claims.doc)
        used_by = _token_owner(self.conn, claims.cti_hex)
        if used_by is not None:
            # A token opens once. The one exception: the grace re-open of the
            # same slot, by the same token, shortly after collection.
            if used_by == job.id and self._grace_allows(job, now):
                return job, True
            raise Refusal("already_used", f"token {claims.cti_hex} was used")
        ready = JobState.STAGED if self.flow is Flow.LOCKER else JobState.RENDERED
        if job.state is not ready or job.flow is not self.flow:
            raise Refusal("not_staged", job.state.value, progress=job.state.value)
        if self.flow is Flow.LOCKER and job.slot is None:
            raise Refusal("not_staged", "no slot")
        return job, False

    def _grace_allows(self, job: jobs.Job, now: float) -> bool:
        if self.flow is not Flow.LOCKER or job.state is not JobState.COLLECTED or job.reopens >= 1:
            return False
        collected = _parse_time(job.updated_at)
        return collected is not None and now - collected <= self.cfg.release.reopen_grace_seconds

    def _ask_pin(self, session: Session, job: jobs.Job) -> KioskView:
        if job.pin_failures >= self.cfg.release.pin_attempts:
            self._end_session()
            return self._refuse(Refusal("pin_locked", job.id))
        session.waiting_pin_until = time.monotonic() + PIN_TIMEOUT_S
        left = self.cfg.release.pin_attempts - job.pin_failures
        return self._show(KioskView(Screen.PIN, session=session.id, reason="pin_required",
                                    message=_message("pin_required"), job={"attempts_left": left}))

    def _on_pin(self, payload: tuple[str, str]) -> KioskView:
        session_id, pin = payload
        session = self.session
        if session is None or session.id != session_id or session.waiting_pin_until is None:
            return self._refuse(Refusal("pin_required", "no PIN was asked for"), count=False)
        assert self.conn is not None
        job = jobs.get_job(self.conn, session.job_id)
        limit = self.cfg.release.pin_attempts
        if job.pin_failures >= limit:
            self._end_session()
            return self._refuse(Refusal("pin_locked", job.id))
        verifier = _document(job).get("pin_verifier")
        try:
            good = isinstance(verifier, str) and check_pin(pin, verifier)
        except PinVerifierError:
            good = False
        if good:
            session.waiting_pin_until = None
            return self._release(session)
        failures = job.pin_failures + 1
        machine.annotate(self.conn, job.id, "release.pin_wrong", actor="citizen",
                         details={"failures": failures}, pin_failures=failures)
        if failures >= limit:
            self._alarm("pin_locked", f"document {job.id}: PIN wrong {failures} times", job=job.id)
            self._end_session()
            return self._refuse(Refusal("pin_locked", job.id))
        return self._show(KioskView(Screen.PIN, session=session.id, reason="pin_wrong",
                                    message=_message("pin_required"),
                                    job={"attempts_left": limit - failures, "wrong": True}))

    def _release(self, session: Session) -> KioskView:
        """Record, durably, then drive the lock: the write-ahead rule."""
        assert self.conn is not None
        if self.flow is Flow.DISPENSER:
            return self._release_to_printer(session)
        job = jobs.get_job(self.conn, session.job_id)
        slot = _collected_slot(self.conn, job.id) if session.reopen else job.slot
        if slot is None:
            return self._refuse(Refusal("not_staged", "no slot"))
        if session.reopen and _slot_taken(self.conn, slot, job.id):
            return self._refuse(Refusal("already_used", "the slot holds another document now"))
        recorded_at = time.monotonic()
        with spool.write(self.conn):
            if session.reopen:
                machine.annotate(self.conn, job.id, "job.reopened", actor="citizen",
                                 details={"slot": slot, "grace_seconds": self.cfg.release.reopen_grace_seconds},
                                 reopens=job.reopens + 1)
            else:
                tokens.record_use(self.conn, session.claims.cti_hex, job.id)
                machine.transition(self.conn, job.id, JobState.RELEASED, actor="citizen",
                                   details={"token": session.claims.cti_hex[:8], "kid": session.claims.kid})
            intent = _record_intent(self.conn, "unlock", job.id, slot)
        self._note_clock()
        _, board, lock = parse_slot_id(slot)
        self._show(KioskView(Screen.OPENING, slot=slot, board=board, door=lock,
                             message=_message("opening"), session=session.id))
        asked_at = time.time()
        try:
            pending = self.locker.submit_unlock(slot)
        except UnlockNotSent as err:
            return self._unlock_not_sent(job.id, slot, intent, session, str(err))
        try:
            outcome = Outcome(pending.result(timeout=UNLOCK_RESULT_TIMEOUT_S))
        except UnlockNotSent as err:
            return self._unlock_not_sent(job.id, slot, intent, session, str(err))
        except (LockError, TimeoutError) as err:
            log.warning("unlock %s: %s", slot, err)
            outcome = Outcome.UNKNOWN
        self.last_release = {"scanned_at": session.scanned_at, "recorded_at": recorded_at,
                             "wire_end": getattr(pending, "wire_end", None) or 0.0}
        latency = self.last_release["wire_end"] - session.scanned_at if self.last_release["wire_end"] else None
        self.publish("job", {"job": job.id, "state": "released", "slot": slot, "outcome": outcome.value,
                             "latency_s": latency})
        return self._after_unlock(job.id, slot, intent, session, outcome, asked_at)

    def _unlock_not_sent(self, job_id: str, slot: str, intent: int, session: Session, why: str) -> KioskView:
        """No byte left: nothing moved. The document goes back to staged; the same token may try again."""
        assert self.conn is not None
        with spool.write(self.conn):
            _finish_intent(self.conn, intent, "not_sent")
            if not session.reopen:
                machine.transition(self.conn, job_id, JobState.STAGED, actor="system", action="release.not_sent",
                                   details={"why": why[:120]})
        self._alarm("unlock_not_sent", f"slot {slot} could not be unlocked: {why}", slot=slot, job=job_id)
        self._end_session()
        return self._show(KioskView(Screen.ASK_STAFF, slot=slot, reason="unlock_not_sent",
                                    message=_message("ask_staff")), hold=RESULT_SCREEN_S)

    def _after_unlock(self, job_id: str, slot: str, intent: int, session: Session, outcome: Outcome,
                      asked_at: float) -> KioskView:
        assert self.conn is not None
        with spool.write(self.conn):
            _finish_intent(self.conn, intent, outcome.value)
            if outcome is Outcome.JAMMED and not session.reopen:
                machine.transition(self.conn, job_id, JobState.HELD, actor="system", reason="latch_jammed",
                                   details={"slot": slot})
        self._end_session()
        if outcome in (Outcome.OPENED, Outcome.ALREADY_OPEN):
            self.watches[slot] = DoorWatch(job_id, slot, session.id, time.monotonic(), reopen=session.reopen,
                                           seen_open=True, since=asked_at)
            _, board, lock = parse_slot_id(slot)
            return self._show(KioskView(Screen.OPEN, slot=slot, board=board, door=lock,
                                        message=_message("open"), job=self._job_view(job_id)))
        if outcome is Outcome.JAMMED:
            self._alarm("latch_jammed", f"slot {slot} did not open for document {job_id}", slot=slot, job=job_id,
                        severity="critical")
        else:
            # The bytes left but nobody saw the latch move: never sent again by itself.
            self._alarm("unlock_unknown", f"slot {slot}: unlock sent, outcome unknown", slot=slot, job=job_id,
                        severity="critical")
            self.watches[slot] = DoorWatch(job_id, slot, session.id, time.monotonic(), reopen=session.reopen,
                                           since=asked_at)
        return self._show(KioskView(Screen.ASK_STAFF, slot=slot, reason=outcome.value, message=_message("ask_staff")),
                          hold=RESULT_SCREEN_S)

    def _on_lock(self, event: LockEvent) -> None:
        if event.kind is EventKind.DOOR_FORCED:
            self._alarm("door_forced", f"door {event.slot} opened without an unlock", slot=event.slot,
                        severity="critical")
        elif event.kind is EventKind.DOOR_LEFT_OPEN:
            self._alarm("door_left_open", f"door {event.slot} has been open too long", slot=event.slot)
        elif event.kind is EventKind.BUS_UNREACHABLE:
            self._alarm("bus_unreachable", f"lock bus {event.bus} unreachable: {event.detail}", device=f"bus:{event.bus}")
        watch = self.watches.get(event.slot or "")
        if watch is not None and event.at < watch.since:
            return  # from before this door was opened for its citizen
        if watch is None:
            if self.presentation is not None and event.slot == self.cfg.dispenser.shutter:
                self._presentation_event(event)
            return
        if event.kind is EventKind.DOOR_OPENED:
            watch.seen_open = True
        elif event.kind is EventKind.DOOR_CLOSED and watch.seen_open:
            self._door_closed(watch)

    def _door_closed(self, watch: DoorWatch) -> None:
        assert self.conn is not None
        status = self.locker.status(watch.slot)
        if status.door is not Door.CLOSED:
            return  # an old event: the door is open now
        del self.watches[watch.slot]
        item = status.item
        if watch.reopen:
            machine.annotate(self.conn, watch.job_id, "job.reopen_closed", actor="citizen",
                             details={"item": item.value})
            self._show(KioskView(Screen.THANKS, slot=watch.slot, message=_message("thanks")), hold=RESULT_SCREEN_S)
            return
        if item is Item.PRESENT:
            # The paper is still there: back to staged; the citizen may scan again.
            machine.transition(self.conn, watch.job_id, JobState.STAGED, actor="citizen",
                               action="release.closed_with_item", details={"slot": watch.slot})
            self.publish("job", {"job": watch.job_id, "state": "staged", "slot": watch.slot})
            self._show(KioskView(Screen.REFUSED, slot=watch.slot, reason="item_left",
                                 message=_message("item_left")), hold=RESULT_SCREEN_S)
            return
        machine.transition(self.conn, watch.job_id, JobState.COLLECTED, actor="citizen",
                           details={"slot": watch.slot, "item": item.value})
        self._note_clock()
        self.publish("job", {"job": watch.job_id, "state": "collected", "slot": watch.slot})
        self._show(KioskView(Screen.THANKS, slot=watch.slot, message=_message("thanks")), hold=RESULT_SCREEN_S)

    # -- dispenser ----------------------------------------------------------------

    def _release_to_printer(self, session: Session) -> KioskView:
        """Dispenser: record the release; the print stage prints it first; the bin is watched."""
        assert self.conn is not None
        with spool.write(self.conn):
            tokens.record_use(self.conn, session.claims.cti_hex, session.job_id)
            machine.transition(self.conn, session.job_id, JobState.RELEASED, actor="citizen",
                               details={"token": session.claims.cti_hex[:8], "kid": session.claims.kid})
        self._note_clock()
        self.publish("job", {"job": session.job_id, "state": "released"})
        self.presentation = Presentation(session.job_id, session.id)
        self._end_session()
        return self._show(KioskView(Screen.PRINTING, message=_message("printing"),
                                    job=self._job_view(session.job_id)))

    def _follow_presentation(self) -> None:
        assert self.conn is not None and self.presentation is not None
        shown = self.presentation
        job = jobs.get_job(self.conn, shown.job_id)
        shutter = self.cfg.dispenser.shutter
        if job.state is JobState.HELD:
            self.presentation = None
            self._show(KioskView(Screen.ASK_STAFF, reason=job.held_reason, message=_message("ask_staff")),
                       hold=RESULT_SCREEN_S)
        elif job.state is JobState.PRINTED and shown.presented_at is None:
            if self.locker.status(shutter).item is not Item.PRESENT:
                return  # the printer finished; the bin sensor has not seen the paper yet
            intent = _record_intent(self.conn, "shutter", job.id, shutter)
            try:
                outcome = Outcome(self.locker.submit_unlock(shutter).result(timeout=UNLOCK_RESULT_TIMEOUT_S))
            except (LockError, TimeoutError) as err:
                outcome = Outcome.UNKNOWN
                log.warning("shutter: %s", err)
            with spool.write(self.conn):
                _finish_intent(self.conn, intent, outcome.value)
            shown.presented_at = time.monotonic()
            self._show(KioskView(Screen.PRESENTED, slot=shutter, message=_message("presented")))
        elif shown.presented_at is not None:
            if self.locker.status(shutter).item is Item.ABSENT:
                self._finish_presentation(JobState.COLLECTED)
            elif time.monotonic() - shown.presented_at > self.cfg.dispenser.presentation_seconds:
                self._finish_presentation(JobState.RETAINED)

    def _presentation_event(self, event: LockEvent) -> None:
        if event.kind is EventKind.ITEM_CHANGED and self.presentation and self.presentation.presented_at:
            self._follow_presentation()

    def _finish_presentation(self, state: JobState) -> None:
        assert self.conn is not None and self.presentation is not None
        job_id = self.presentation.job_id
        self.presentation = None
        machine.transition(self.conn, job_id, state, actor="citizen" if state is JobState.COLLECTED else "system")
        self.publish("job", {"job": job_id, "state": state.value})
        if state is JobState.RETAINED:
            self._alarm("document_retained", f"document {job_id} was not taken and was retained", job=job_id)
            self._show(KioskView(Screen.ASK_STAFF, reason="retained", message=_message("ask_staff")),
                       hold=RESULT_SCREEN_S)
        else:
            self._show(KioskView(Screen.THANKS, message=_message("thanks")), hold=RESULT_SCREEN_S)

    # -- time ----------------------------------------------------------------

    def _tick(self) -> None:
        now = time.monotonic()
        session = self.session
        if session and session.waiting_pin_until and now > session.waiting_pin_until:
            self._end_session()
            self._show(KioskView(Screen.IDLE))
        for watch in list(self.watches.values()):
            if not watch.alarmed and now - watch.opened_at > self.cfg.release.door_watch_seconds:
                watch.alarmed = True
                self._alarm("door_not_closed", f"door {watch.slot} not seen closed after its release",
                            slot=watch.slot, job=watch.job_id)
        if self.presentation is not None:
            self._follow_presentation()
        if self._view_until is not None and now > self._view_until and not self.watches \
                and self.presentation is None and self.session is None:
            self._show(KioskView(Screen.IDLE))

    def _check_clock(self, now: float) -> None:
        if now < self._clock_high_water - CLOCK_TOLERANCE_S:
            self._alarm("clock_behind", "the station clock is behind the latest recorded time;"
                        " releases are stopped until it is set right", severity="critical")
            raise Refusal("clock", "station clock behind its records", screen=Screen.ASK_STAFF)

    def _note_clock(self) -> None:
        self._clock_high_water = max(self._clock_high_water, self.clock())

    # -- screens, refusals, alarms ------------------------------------------------

    def _refuse(self, refusal: Refusal, *, count: bool = True) -> KioskView:
        self._end_session()
        log.info("release refused", extra={"fields": {"reason": refusal.reason}})
        if count and refusal.screen is Screen.REFUSED:
            now = time.monotonic()
            self._refusals.append(now)
            while self._refusals and now - self._refusals[0] > REFUSAL_WINDOW_S:
                self._refusals.popleft()
            if len(self._refusals) >= self.cfg.release.refused_scans_per_minute:
                self._refusals.clear()
                self._locked_out_until = now + self.cfg.release.scanner_lockout_seconds
                self._alarm("scanner_locked_out", "too many refused scans; the scanner is ignored for a while",
                            device="scanner", severity="info")
                return self._show(KioskView(Screen.LOCKED_OUT, reason=refusal.reason,
                                            message=_message("locked_out"),
                                            retry_after_s=self.cfg.release.scanner_lockout_seconds),
                                  hold=self.cfg.release.scanner_lockout_seconds)
        progress = {"state": refusal.progress} if refusal.progress else None
        return self._show(KioskView(refusal.screen, reason=refusal.reason, message=_message(refusal.reason),
                                    job=progress), hold=RESULT_SCREEN_S)

    def _alarm(self, kind: str, message: str, *, severity: str = "warning", job: str | None = None,
               slot: str | None = None, device: str | None = None) -> None:
        assert self.conn is not None
        raised = alarms.raise_alarm(self.conn, kind, message, severity=severity, job=job, slot=slot, device=device)
        self.publish("alarm", raised.as_dict())

    def _show(self, view: KioskView, *, hold: float | None = None) -> KioskView:
        self.view = view
        self._view_until = time.monotonic() + hold if hold else None
        self.publish("kiosk", view.as_event())
        return view

    def _end_session(self) -> None:
        self.session = None

    def _job_view(self, job_id: str) -> dict[str, Any]:
        assert self.conn is not None
        data = _document(jobs.get_job(self.conn, job_id)).get("data") or {}
        name = next((v for k, v in data.items() if "nama" in k.lower() or "name" in k.lower()), None)
        return {"masked_name": mask_name(name) if isinstance(name, str) else None}

    # -- recovery ---------------------------------------------------------------

    def _recover(self) -> None:
        """After a crash: ask the locks what became of each unlock recorded but not finished."""
        assert self.conn is not None
        try:
            self.locker.refresh(timeout=3.0)
        except LockError as err:
            log.warning("recovery: could not read the lock boards: %s", err)
        for row in self.conn.execute("SELECT * FROM intents WHERE finished_at IS NULL AND kind = 'unlock'").fetchall():
            self._recover_unlock(row["id"], row["job_id"], row["slot_id"])
        # Released jobs whose door was being watched: watch again (`resume_watches` settles them).
        for job in jobs.jobs_in(self.conn, JobState.RELEASED):
            if self.flow is Flow.LOCKER and job.slot and job.slot not in self.watches:
                self.watches[job.slot] = DoorWatch(job.id, job.slot, "", time.monotonic(), seen_open=True)

    def _recover_unlock(self, intent: int, job_id: str, slot: str) -> None:
        assert self.conn is not None
        job = jobs.find_job(self.conn, job_id)
        try:
            status = self.locker.status(slot)
            door, item = status.door, status.item
        except LockError:
            door, item = Door.UNKNOWN, Item.UNKNOWN
        if job is None or job.state is not JobState.RELEASED:
            _finish_intent(self.conn, intent, "stale")
        elif door is Door.OPEN:
            _finish_intent(self.conn, intent, "opened")
            self.watches[slot] = DoorWatch(job.id, slot, "", time.monotonic(), seen_open=True)
        elif door is Door.CLOSED and item is Item.PRESENT:
            # The paper is still there (the lock never moved, or the door was shut on it).
            with spool.write(self.conn):
                _finish_intent(self.conn, intent, "recovered_closed")
                machine.transition(self.conn, job.id, JobState.STAGED, actor="system",
                                   action="release.recovered", details={"slot": slot, "item": "present"})
        elif door is Door.CLOSED and item is Item.ABSENT:
            # Opened and emptied while the station was down.
            with spool.write(self.conn):
                _finish_intent(self.conn, intent, "recovered_taken")
                machine.transition(self.conn, job.id, JobState.COLLECTED, actor="system",
                                   action="release.recovered", details={"slot": slot, "item": "absent"})
        else:
            _finish_intent(self.conn, intent, "unknown")
            self.watches[slot] = DoorWatch(job.id, slot, "", time.monotonic())
            self._alarm("release_interrupted", f"slot {slot}: the station stopped during a release;"
                        " check the slot", slot=slot, job=job.id)

    def resume_watches(self) -> Future:
        """Settle watched doors that closed while the station was down (call once the buses have read)."""
        return self._put(2, "resume", None)

    def _resume(self, _: Any = None) -> None:
        for watch in list(self.watches.values()):
            try:
                status = self.locker.status(watch.slot)
            except LockError:
                continue
            if status.door is Door.CLOSED and watch.seen_open:
                self._door_closed(watch)


def _message(reason: str) -> dict[str, str]:
    if reason in tokens_module.REASONS:
        return tokens_module.citizen_messages(reason)
    return _SCREEN_MESSAGES.get(reason, _SCREEN_MESSAGES["ask_staff"])


_SCREEN_MESSAGES: dict[str, dict[str, str]] = {
    "opening": {"id": "Pintu sedang dibuka.", "en": "The door is opening."},
    "open": {"id": "Ambil dokumen Anda, lalu tutup pintunya.", "en": "Take your document, then close the door."},
    "thanks": {"id": "Terima kasih. Dokumen Anda sudah diambil.", "en": "Thank you. Your document has been collected."},
    "item_left": {"id": "Dokumen masih di dalam loker. Silakan minta bantuan petugas atau kode QR baru.",
                  "en": "Your document is still in the locker. Please ask a staff member or request a new QR code."},
    "printing": {"id": "Dokumen Anda sedang dicetak. Mohon tunggu.", "en": "Your document is being printed. Please wait."},
    "presented": {"id": "Ambil dokumen Anda dari tempat keluaran.", "en": "Take your document from the output tray."},
    "locked_out": {"id": "Terlalu banyak kode yang ditolak. Tunggu sebentar atau minta bantuan petugas.",
                   "en": "Too many codes were refused. Wait a moment or ask a staff member."},
    "ask_staff": {"id": "Mohon maaf, terjadi kendala. Petugas sudah diberi tahu dan akan membantu Anda.",
                  "en": "Sorry, something went wrong. Staff have been told and will help you."},
    "internal": {"id": "Mohon maaf, terjadi kendala. Petugas sudah diberi tahu dan akan membantu Anda.",
                 "en": "Sorry, something went wrong. Staff have been told and will help you."},
}


def _document(job: jobs.Job) -> dict[str, Any]:
    try:
        value = json.loads(job.payload or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _token_owner(conn: sqlite3.Connection, cti_hex: str) -> str | None:
    row = conn.execute("SELECT job_id FROM used_tokens WHERE cti = ?", (cti_hex,)).fetchone()
    return None if row is None else row["job_id"]


def _collected_slot(conn: sqlite3.Connection, job_id: str) -> str | None:
    row = conn.execute("SELECT slot_id FROM audit WHERE job_id = ? AND action = 'job.collected'"
                       " ORDER BY seq DESC LIMIT 1", (job_id,)).fetchone()
    return None if row is None else row["slot_id"]


def _slot_taken(conn: sqlite3.Connection, slot: str, job_id: str) -> bool:
    row = conn.execute("SELECT occupant FROM slots WHERE id = ?", (slot,)).fetchone()
    return row is not None and row["occupant"] not in (None, job_id)


def _record_intent(conn: sqlite3.Connection, kind: str, job_id: str, slot: str) -> int:
    with spool.write(conn):
        cur = conn.execute("INSERT INTO intents (kind, job_id, slot_id, created_at) VALUES (?, ?, ?, ?)",
                           (kind, job_id, slot, audit.now_text()))
    return int(cur.lastrowid)


def _finish_intent(conn: sqlite3.Connection, intent: int, outcome: str) -> None:
    with spool.write(conn):
        conn.execute("UPDATE intents SET outcome = ?, finished_at = ? WHERE id = ?",
                     (outcome, audit.now_text(), intent))
        row = conn.execute("SELECT job_id, slot_id, kind FROM intents WHERE id = ?", (intent,)).fetchone()
        audit.append(conn, "system", f"{row['kind']}.{outcome}", job=row["job_id"], slot=row["slot_id"])


def _latest_recorded(conn: sqlite3.Connection) -> float:
    row = conn.execute("SELECT at FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
    moment = _parse_time(row["at"]) if row else None
    return moment or 0.0


def _parse_time(text: str | None) -> float | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).timestamp()
    except ValueError:
        return None
