"""The locker release: record, unlock, watch the door.

The token id, the release and the `unlock` intent are recorded in one
durable commit before the lock is driven (the write-ahead rule). The
outcome closes the intent: `opened` (the door is watched until it closes),
`jammed` (held, alarm), `not_sent` (nothing moved: back to staged). An
`unknown` outcome (the bytes left, nobody saw the latch move) keeps the
intent open and the door watched: a door seen open later settles it as
`opened`; a board that answers again with the door shut and the paper
inside settles it as `not_opened`, and the document waits again. Closed
with the paper gone: `collected`; with the paper still there: back to
`staged`.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from dataclasses import dataclass

import spool
from drivers.locks.errors import LockError, UnlockNotSent
from drivers.locks.model import BoardState, Door, EventKind, Item, LockEvent, Outcome
from spool import intents, jobs, machine, rfc3339, slots, tokens
from spool.intents import Kind
from spool.slots import parse_slot_id
from spool.states import Flow, JobState

from station.release import settling
from station.release.kiosk import KioskView, Screen
from .eligibility import ready_now
from .ports import Desk
from .screens import message
from .session import ReleaseRefused, Session

log = logging.getLogger("station.release")

RESULT_SCREEN_S = 8.0
UNLOCK_RESULT_TIMEOUT_S = 15.0


@dataclass
class DoorWatch:
    """A door the counter opened (or may have) and is waiting to see closed."""

    job_id: str
    slot: str
    session: str
    opened_at: float                 # monotonic
    intent: int | None = None        # the unlock intent, while its outcome is not known
    reopen: bool = False
    seen_open: bool = False
    alarmed: bool = False
    asked_staff: bool = False        # (issue 22) a `slot_check` task was raised: staff settle it if the door won't
    since: float = 0.0  # wall-clock time the unlock was asked for: older lock events are not about it


class LockerRelease:
    """Doors opened for citizens, and the doors being watched."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.watches: dict[str, DoorWatch] = {}

    # -- the release ------------------------------------------------------------

    def check_ready(self) -> None:
        """A locker serves the next citizen while a door is open: always ready."""

    def current_view(self) -> KioskView | None:
        """Nothing to go back to: the last door's screen stays while doors are open."""
        return None

    def idle(self) -> bool:
        return not self.watches

    def slot_for(self, job: jobs.Job, reopen: bool) -> str:
        """The slot this release opens (the one it was collected from, for a grace re-open)."""
        slot = self._last_slot(job.id) if reopen else job.slot
        if slot is None:
            raise ReleaseRefused("not_ready", "no slot", progress=job.state.value)
        if reopen and _slot_taken(self.desk.conn, slot, job.id):
            raise ReleaseRefused("already_used", "the slot holds another document now")
        return slot

    def release(self, session: Session) -> KioskView:
        """Record, durably, then drive the lock: the write-ahead rule."""
        conn = self.desk.conn
        with spool.write(conn):
            # The job as it is now, in the release's own transaction: a withdrawal or a timer at the PIN pad
            # ends the session with the job's true state, never with an illegal move (issue 22).
            job = jobs.get_job(conn, session.job_id) if session.reopen else ready_now(conn, session.job_id,
                                                                                      Flow.LOCKER)
            slot = self.slot_for(job, session.reopen)
            if session.reopen:
                machine.annotate(conn, job.id, "job.reopened", actor="citizen",
                                 details={"slot": slot, "grace_seconds": self.desk.cfg.release.reopen_grace_seconds},
                                 reopens=job.reopens + 1)
            else:
                tokens.record_use(conn, session.claims.cti_hex, job.id)
                machine.transition(conn, job.id, JobState.RELEASED, actor=session.actor,
                                   details=session.release_details())
            intent = intents.record(conn, Kind.UNLOCK, job=job.id, slot=slot, audited=False).id
        self.desk.note_clock()
        _, board, lock = parse_slot_id(slot)
        self.desk.show(KioskView(Screen.OPENING, slot=slot, board=board, door=lock,
                                 message=message("opening"), session=session.id))
        asked_at = time.time()
        pending = None
        try:
            pending = self.desk.locker.submit_unlock(slot)
            outcome = Outcome(pending.result(timeout=UNLOCK_RESULT_TIMEOUT_S))
        except UnlockNotSent as err:
            return self._not_sent(job.id, slot, intent, session, str(err))
        except (LockError, TimeoutError) as err:
            log.warning("unlock %s: %s", slot, err)
            outcome = Outcome.UNKNOWN
        opened_at = time.monotonic()
        self.desk.publish("release", {
            "job": job.id, "slot": slot, "outcome": outcome.value, "reopen": session.reopen,
            "latency_s": opened_at - session.verified_at - (session.pin_seconds or 0.0),
            "pin_s": session.pin_seconds,
            "wire_s": (pending.wire_end - session.scanned_at) if pending and pending.wire_end else None})
        return self._after_unlock(job.id, slot, intent, session, outcome, asked_at)

    def _not_sent(self, job_id: str, slot: str, intent: int, session: Session, why: str) -> KioskView:
        """No byte left: nothing moved. The document goes back to staged."""
        conn = self.desk.conn
        with spool.write(conn):
            intents.finish(conn, intent, "not_sent")
            if not session.reopen:
                machine.transition(conn, job_id, JobState.STAGED, actor="system", action="release.not_sent")
        log.warning("unlock %s not sent: %s", slot, why)
        self.desk.alarm("unlock_not_sent", f"slot {slot} could not be unlocked", slot=slot, job=job_id)
        return self.desk.show(KioskView(Screen.ASK_STAFF, slot=slot, reason="unlock_not_sent",
                                        message=message("ask_staff")), hold=RESULT_SCREEN_S)

    def _after_unlock(self, job_id: str, slot: str, intent: int, session: Session, outcome: Outcome,
                      asked_at: float) -> KioskView:
        conn = self.desk.conn
        watch = DoorWatch(job_id, slot, session.id, time.monotonic(), reopen=session.reopen, since=asked_at)
        if outcome is Outcome.UNKNOWN:
            # The bytes left but nobody saw the latch move: never sent again by itself; the door decides.
            watch.intent = intent
            self.watches[slot] = watch
            self.desk.alarm("unlock_unknown", f"slot {slot}: unlock sent, outcome unknown", slot=slot, job=job_id,
                            severity="critical")
            return self.desk.show(KioskView(Screen.ASK_STAFF, slot=slot, reason="unknown",
                                            message=message("ask_staff")), hold=RESULT_SCREEN_S)
        with spool.write(conn):
            intents.finish(conn, intent, outcome.value)
            if outcome is Outcome.JAMMED and not session.reopen:
                machine.transition(conn, job_id, JobState.HELD, actor="system", reason="latch_jammed",
                                   details={"slot": slot})
        if outcome is Outcome.JAMMED:
            self.desk.alarm("latch_jammed", f"slot {slot} did not open for document {job_id}", slot=slot,
                            job=job_id, severity="critical")
            return self.desk.show(KioskView(Screen.ASK_STAFF, slot=slot, reason="jammed",
                                            message=message("ask_staff")), hold=RESULT_SCREEN_S)
        watch.seen_open = True
        self.watches[slot] = watch
        _, board, lock = parse_slot_id(slot)
        return self.desk.show(KioskView(Screen.OPEN, slot=slot, board=board, door=lock, message=message("open"),
                                        job=self.desk.job_view(job_id)))

    # -- the doors ----------------------------------------------------------------

    def on_lock(self, event: LockEvent) -> None:
        """A door of a watched slot opened or closed."""
        watch = self.watches.get(event.slot or "")
        if watch is None or event.at < watch.since:
            return  # not ours, or from before this door was opened for its citizen
        if event.kind is EventKind.DOOR_OPENED:
            self._seen_open(watch)
        elif event.kind is EventKind.DOOR_CLOSED and watch.seen_open:
            self._door_closed(watch)

    def _seen_open(self, watch: DoorWatch) -> None:
        watch.seen_open = True
        if watch.intent is not None:
            intents.finish(self.desk.conn, watch.intent, Outcome.OPENED.value, audit_details={"late": True})
            watch.intent = None

    def tick(self) -> None:
        """Alarm for doors not closed in time; settle unknown unlocks the boards can now answer for."""
        now = time.monotonic()
        for watch in list(self.watches.values()):
            if not watch.reopen and not self._still_released(watch):
                continue
            if watch.intent is not None and not watch.seen_open:
                self._settle_unknown(watch)
            elif not watch.session and watch.seen_open:
                self._closed_meanwhile(watch)
            if not watch.alarmed and now - watch.opened_at > self.desk.cfg.release.door_watch_seconds:
                watch.alarmed = True
                self.desk.alarm("door_not_closed", f"door {watch.slot} not seen closed after its release",
                                slot=watch.slot, job=watch.job_id)

    def _settle_unknown(self, watch: DoorWatch) -> None:
        """A board that answers again after an unknown unlock says what became of it."""
        try:
            status = self.desk.locker.status(watch.slot)
        except LockError:
            return
        if status.board_state is not BoardState.ANSWERING or (status.read_at or 0.0) <= watch.since:
            return
        if status.door is Door.OPEN:
            self._seen_open(watch)
        elif status.door is Door.CLOSED and status.item is Item.UNKNOWN and not watch.reopen:
            self._ask_staff(watch)  # no item sensor: shut now, never seen open; only a person can tell
        elif status.door is Door.CLOSED and status.item is not Item.UNKNOWN:
            # Shut on the paper: it never opened. Shut and empty: opened and emptied meanwhile.
            taken = status.item is Item.ABSENT
            del self.watches[watch.slot]
            with spool.write(self.desk.conn):
                intents.finish(self.desk.conn, watch.intent, "opened" if taken else "not_opened")  # type: ignore[arg-type]
                if not watch.reopen:
                    machine.transition(self.desk.conn, watch.job_id,
                                       JobState.COLLECTED if taken else JobState.STAGED, actor="system",
                                       action="release.recovered", details={"slot": watch.slot,
                                                                            "item": status.item.value})

    def _still_released(self, watch: DoorWatch) -> bool:
        """False (and the watch dropped) once the job moved on without this door: staff settled it (issue 22)."""
        job = jobs.find_job(self.desk.conn, watch.job_id)
        if job is not None and job.state is JobState.RELEASED:
            return True
        del self.watches[watch.slot]
        return False

    def _closed_meanwhile(self, watch: DoorWatch) -> None:
        """A recovered watch of a door seen open: a board read after the restart showing it shut settles it."""
        try:
            status = self.desk.locker.status(watch.slot)
        except LockError:
            return
        if status.door is Door.CLOSED and (status.read_at or 0.0) > watch.since:
            self._door_closed(watch)

    def _ask_staff(self, watch: DoorWatch) -> None:
        if watch.asked_staff:
            return
        watch.asked_staff = True
        alarm = settling.ask_staff(self.desk.conn, watch.job_id, watch.slot)
        self.desk.publish("alarm", alarm.as_dict())

    def _door_closed(self, watch: DoorWatch) -> None:
        conn = self.desk.conn
        status = self.desk.locker.status(watch.slot)
        if status.door is not Door.CLOSED:
            return  # an old event: the door is open now
        if not watch.reopen and not self._still_released(watch):
            return
        del self.watches[watch.slot]
        item = status.item
        if watch.reopen:
            machine.annotate(conn, watch.job_id, "job.reopen_closed", actor="citizen", details={"item": item.value})
            self.desk.show(KioskView(Screen.THANKS, slot=watch.slot, message=message("thanks")), hold=RESULT_SCREEN_S)
            return
        if item is Item.PRESENT:
            # The paper is still there: back to staged; the citizen may scan again.
            machine.transition(conn, watch.job_id, JobState.STAGED, actor="citizen",
                               action="release.closed_with_item", details={"slot": watch.slot})
            self.desk.show(KioskView(Screen.REFUSED, slot=watch.slot, reason="item_left",
                                     message=message("item_left")), hold=RESULT_SCREEN_S)
            return
        machine.transition(conn, watch.job_id, JobState.COLLECTED, actor="citizen",
                           details={"slot": watch.slot, "item": item.value})
        self.desk.note_clock()
        self.desk.show(KioskView(Screen.THANKS, slot=watch.slot, message=message("thanks")), hold=RESULT_SCREEN_S)

    # -- after a restart ------------------------------------------------------------

    def recover(self) -> None:
        """Ask the locks what became of each unlock recorded but not settled, and watch released doors again."""
        conn = self.desk.conn
        for intent in intents.open_intents(conn, Kind.UNLOCK):
            self._recover_unlock(intent)
        for job in jobs.jobs_in(conn, JobState.RELEASED, limit=100_000):
            if job.slot and job.slot not in self.watches:
                self.watches[job.slot] = DoorWatch(job.id, job.slot, "", time.monotonic(), seen_open=True)

    def _recover_unlock(self, intent: intents.Intent) -> None:
        conn = self.desk.conn
        job = jobs.find_job(conn, intent.job or "")
        slot = intent.slot or ""
        try:
            status = self.desk.locker.status(slot)
            door, item = status.door, status.item
        except LockError:
            door, item = Door.UNKNOWN, Item.UNKNOWN
        if job is None or job.state is not JobState.RELEASED:
            intents.finish(conn, intent.id, "stale")
        elif door is Door.OPEN:
            intents.finish(conn, intent.id, Outcome.OPENED.value, audit_details={"recovered": True})
            self.watches[slot] = DoorWatch(job.id, slot, "", time.monotonic(), seen_open=True)
        elif door is Door.CLOSED and item is Item.PRESENT:
            # The paper is still there (the lock never moved, or the door was shut on it).
            with spool.write(conn):
                intents.finish(conn, intent.id, "not_opened", audit_details={"recovered": True})
                machine.transition(conn, job.id, JobState.STAGED, actor="system", action="release.recovered",
                                   details={"slot": slot, "item": "present"})
        elif door is Door.CLOSED and item is Item.ABSENT:
            # Opened and emptied while the station was down.
            with spool.write(conn):
                intents.finish(conn, intent.id, Outcome.OPENED.value, audit_details={"recovered": True})
                machine.transition(conn, job.id, JobState.COLLECTED, actor="system", action="release.recovered",
                                   details={"slot": slot, "item": "absent"})
        elif door is Door.CLOSED:
            # (issue 22) A board without item sensors, its door shut and never seen open after the release:
            # collected or not, only a person can tell. The door is still watched (seen open later, it settles).
            watch = DoorWatch(job.id, slot, "", time.monotonic(), intent=intent.id, since=_moment(intent.created_at))
            self.watches[slot] = watch
            self._ask_staff(watch)
        else:
            self.watches[slot] = DoorWatch(job.id, slot, "", time.monotonic(), intent=intent.id,
                                           since=_moment(intent.created_at))
            self.desk.alarm("release_interrupted", f"slot {slot}: the station stopped during a release;"
                            " check the slot", slot=slot, job=job.id)

    def resume(self) -> None:
        """Settle watched doors that closed while the station was down (once the buses have read)."""
        for watch in list(self.watches.values()):
            try:
                status = self.desk.locker.status(watch.slot)
            except LockError:
                continue
            if status.door is Door.CLOSED and watch.seen_open:
                self._door_closed(watch)

    def _last_slot(self, job_id: str) -> str | None:
        opened = [i for i in intents.of_job(self.desk.conn, job_id, Kind.UNLOCK) if i.outcome == Outcome.OPENED.value]
        return opened[-1].slot if opened else None


def _slot_taken(conn: sqlite3.Connection, slot: str, job_id: str) -> bool:
    return slots.get_slot(conn, slot).occupant not in (None, job_id)


def _moment(text: str) -> float:
    return rfc3339.seconds_or_none(text) or 0.0
