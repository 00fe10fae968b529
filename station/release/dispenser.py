"""The dispenser release: one person at a time; paper printed into an empty bin, presented, taken or retained.

A presentation is one `present` intent in the ledger, from the release to
the paper taken (`collected`) or not taken in time (`retained`); its
`phase` says how far it got: `printing` (the print stage prints the
released job into the bin), `presenting` (the shutter is being opened),
`presented` (the shutter opened at `presented_at`, wall-clock time).

Only one presentation is open at a time: a scan meanwhile is refused as
`busy`, with nothing changed and the token not spent. The bin must be empty
before a release, before the print (the print stage checks too) and before
the shutter opens. Paper where none should be is never presented: releases
stop, with an alarm, until staff empty the bin (or, where the hardware has
one, the reject box takes retained paper).

After a restart the open presentation goes on from its phase: the released
job is printed (or matched at the printer) by the print stage, paper in the
bin is presented, paper not taken in time is retained.
"""

from __future__ import annotations

import logging
import time

import spool
from drivers.locks.errors import LockError
from drivers.locks.model import BoardState, Door, EventKind, Item, LockEvent, Outcome
from spool import alarms, intents, jobs, machine, tokens
from spool.intents import Intent, Kind
from spool.rules import SERVING
from spool.states import Flow, JobState

from station.release.kiosk import KioskView, Screen, at_time
from .eligibility import ready_now
from .ports import Desk
from .screens import BIN_NOT_EMPTY, BUSY, DEVICE_UNKNOWN, message
from .session import ReleaseRefused, Session

log = logging.getLogger("station.release")

RESULT_SCREEN_S = 8.0
UNLOCK_RESULT_TIMEOUT_S = 15.0
SHUTTER_TRIES = 3  # unknown outcomes (the board lost power) before the paper is held for staff
PRINT_ALLOWANCE_S = 30.0  # what a busy citizen is told printing takes, before the presentation
_GOING = SERVING[Flow.DISPENSER]


class DispenserRelease:
    """The one presentation at a time, followed from the ledger."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.current: Intent | None = None
        self._stray = False  # paper in the bin with no presentation: releases stopped, staff alarmed
        self._shown_page = self._shown_pages = 0  # (issue 24) the printing screen's page n of m: a new n is shown

    @property
    def shutter(self) -> str:
        return self.desk.cfg.dispenser.shutter

    # -- may the next person be served? -------------------------------------------

    def busy(self) -> float | None:
        """Seconds the next person should wait, or None when the dispenser is free."""
        if self.current is None:
            return None
        presentation = self.desk.cfg.dispenser.presentation_seconds
        presented_at = self.current.detail.get("presented_at")
        if presented_at is None:
            return PRINT_ALLOWANCE_S + presentation
        return max(5.0, presentation - (time.time() - float(presented_at)))

    def check_ready(self) -> None:
        """Refuse (nothing changes, the token is not spent) unless the bin is free and empty."""
        wait = self.busy()
        if wait is not None:
            raise ReleaseRefused(BUSY, "another person is being served", retry_after_s=wait)
        item = self._bin()
        if item is Item.PRESENT:
            self._found_stray()
            raise ReleaseRefused(BIN_NOT_EMPTY, "paper in the bin", screen=Screen.ASK_STAFF)
        if item is Item.UNKNOWN:
            raise ReleaseRefused(DEVICE_UNKNOWN, "the bin sensor cannot be read", screen=Screen.ASK_STAFF)

    def idle(self) -> bool:
        return self.current is None

    def current_view(self) -> KioskView | None:
        """The presentation's own screen, to go back to after a passing message."""
        if self.current is None:
            return None
        if self.current.detail.get("presented_at") is not None:
            return self._presented_view()
        return self._printing_view()

    def _printing_view(self) -> KioskView:
        """(issue 24) Printing, with the page at the printer and the time left, from the printer's rate."""
        assert self.current is not None
        job_id = self.current.job or ""
        job = jobs.find_job(self.desk.conn, job_id)
        pages = max(1, job.pages or 1) if job is not None else 1
        per_page = 60.0 / self.desk.cfg.printer.pages_per_minute
        started = float(self.current.detail.get("verified_at") or time.time())
        elapsed = max(0.0, time.time() - started)
        progress = {"page": min(pages, 1 + int(elapsed / per_page)), "pages": pages,
                    "eta_s": round(max(0.0, pages * per_page - elapsed), 1)}
        self._shown_page, self._shown_pages = progress["page"], pages
        return KioskView(Screen.PRINTING, message=message("printing"), job=self.desk.job_view(job_id),
                         progress=progress)

    def _presented_view(self) -> KioskView:
        """(issue 24) Take your paper, and when paper not taken is kept (`retain_at`)."""
        assert self.current is not None
        presented_at = float(self.current.detail["presented_at"])
        return KioskView(Screen.PRESENTED, slot=self.shutter, message=message("presented"),
                         retain_at=at_time(presented_at + self.desk.cfg.dispenser.presentation_seconds))

    # -- the release --------------------------------------------------------------

    def release(self, session: Session) -> KioskView:
        """Record the release and the presentation, durably; the print stage prints it first."""
        self.check_ready()
        conn = self.desk.conn
        with spool.write(conn):
            ready_now(conn, session.job_id, Flow.DISPENSER)  # moved since the scan: its true state (issue 22)
            tokens.record_use(conn, session.claims.cti_hex, session.job_id)
            machine.transition(conn, session.job_id, JobState.RELEASED, actor=session.actor,
                               details=session.release_details())
            self.current = intents.record(conn, Kind.PRESENT, job=session.job_id, slot=self.shutter, audited=False,
                                          detail={"phase": "printing", "verified_at": time.time(),
                                                  "pin_s": session.pin_seconds})
        self.desk.note_clock()
        return self.desk.show(self._printing_view())

    # -- following it ------------------------------------------------------------

    def on_lock(self, event: LockEvent) -> None:
        if event.slot == self.shutter and event.kind in (EventKind.ITEM_CHANGED, EventKind.DOOR_OPENED,
                                                          EventKind.DOOR_CLOSED):
            self.tick()

    def tick(self) -> None:
        """Move the presentation on as far as the job and the bin allow."""
        if self.current is None:
            self._watch_empty_bin()
            return
        job = jobs.get_job(self.desk.conn, self.current.job or "")
        if job.state not in _GOING:
            self._end(job.state)
            return
        phase = self.current.detail.get("phase")
        item = self._bin()
        if phase == "presenting" and (self._shutter_open() or (item is Item.ABSENT and self._board_answers())):
            self._presented(Outcome.OPENED)  # it did open after all (and, with the bin empty, was taken)
        elif phase in ("printing", "presenting") and job.state is JobState.PRINTED and item is Item.PRESENT \
                and self._board_answers():
            self._present()
        elif phase == "printing" and job.state is not JobState.PRINTED:
            view = self._printing_view() if self._next_page_due() else None
            if view is not None:
                self.desk.show(view)  # (issue 24) page n of m: the screen follows the print
        elif phase == "presented":
            presented_at = float(self.current.detail["presented_at"])
            if item is Item.ABSENT:
                self._finish(JobState.COLLECTED)
            elif time.time() - presented_at > self.desk.cfg.dispenser.presentation_seconds:
                self._finish(JobState.RETAINED)

    def _next_page_due(self) -> bool:
        """The printer's rate says a page later than the one shown has started (cheap: no spool read)."""
        assert self.current is not None
        started = float(self.current.detail.get("verified_at") or time.time())
        per_page = 60.0 / self.desk.cfg.printer.pages_per_minute
        return min(self._shown_pages, 1 + int(max(0.0, time.time() - started) / per_page)) > self._shown_page

    def _present(self) -> None:
        """Open the shutter on the paper (the intent's phase says so first: the write-ahead rule)."""
        assert self.current is not None
        conn = self.desk.conn
        tries = int(self.current.detail.get("shutter_tries", 0)) + 1
        self.current = intents.update(conn, self.current.id, phase="presenting", shutter_tries=tries)
        try:
            outcome = Outcome(self.desk.locker.submit_unlock(self.shutter).result(timeout=UNLOCK_RESULT_TIMEOUT_S))
        except (LockError, TimeoutError) as err:
            log.warning("shutter: %s", err)
            outcome = Outcome.UNKNOWN
        if outcome in (Outcome.OPENED, Outcome.ALREADY_OPEN) or self._shutter_open() or self._bin() is Item.ABSENT:
            self._presented(outcome)  # opened (a quick hand may have emptied the bin and shut it already)
        elif outcome is Outcome.UNKNOWN and tries < SHUTTER_TRIES:
            # The board did not answer (a power cut loses an unlock): the presentation stays where it is,
            # and is opened again once the board shows the shutter shut on the paper. Only this person's
            # paper is in the bin, so opening it again shows nobody else's.
            log.warning("shutter: outcome unknown, asking the board again before opening it again")
        else:
            self._stuck(outcome)

    def _presented(self, outcome: Outcome) -> None:
        assert self.current is not None
        now = time.time()
        self.current = intents.update(self.desk.conn, self.current.id, phase="presented", presented_at=now)
        verified_at = self.current.detail.get("verified_at")
        self.desk.publish("release", {
            "job": self.current.job, "slot": self.shutter, "outcome": outcome.value,
            "latency_s": (now - float(verified_at)) if verified_at else None, "pin_s": self.current.detail.get("pin_s")})
        self.desk.show(self._presented_view())

    def _stuck(self, outcome: Outcome) -> None:
        """The paper stays behind a shutter that will not open: staff must look; nobody else is served meanwhile."""
        assert self.current is not None
        conn = self.desk.conn
        with spool.write(conn):
            intents.finish(conn, self.current.id, "shutter_" + outcome.value)
            machine.transition(conn, self.current.job or "", JobState.HELD, actor="system",
                               reason="shutter_" + outcome.value)
        self.desk.alarm("shutter_failed", f"the shutter did not open ({outcome.value})", slot=self.shutter,
                        job=self.current.job, severity="critical")
        self.current = None
        self.desk.show(KioskView(Screen.ASK_STAFF, reason="held", message=message("ask_staff")), hold=RESULT_SCREEN_S)

    def _finish(self, state: JobState) -> None:
        assert self.current is not None
        conn = self.desk.conn
        job_id = self.current.job or ""
        with spool.write(conn):
            machine.transition(conn, job_id, state, actor="citizen" if state is JobState.COLLECTED else "system")
            intents.finish(conn, self.current.id, state.value)
        self.current = None
        if state is JobState.COLLECTED:
            self.desk.note_clock()
            self.desk.show(KioskView(Screen.THANKS, message=message("thanks")), hold=RESULT_SCREEN_S)
            return
        self.desk.alarm("document_retained", f"document {job_id} was not taken and was retained", job=job_id)
        self.desk.show(KioskView(Screen.ASK_STAFF, reason="retained", message=message("ask_staff")),
                       hold=RESULT_SCREEN_S)
        if self.desk.cfg.dispenser.reject:
            self._reject(job_id)

    def _reject(self, job_id: str) -> None:
        """Drop retained paper into the reject box (the next person's bin must be empty)."""
        channel = self.desk.cfg.dispenser.reject
        intent = intents.record(self.desk.conn, Kind.REJECT, job=job_id, slot=channel)
        try:
            outcome = Outcome(self.desk.locker.submit_unlock(channel).result(timeout=UNLOCK_RESULT_TIMEOUT_S))
        except (LockError, TimeoutError) as err:
            log.warning("reject box: %s", err)
            outcome = Outcome.UNKNOWN
        intents.finish(self.desk.conn, intent.id, outcome.value)

    def _end(self, state: JobState) -> None:
        """The job left the presentation's way (held by the print stage, cancelled): end it."""
        assert self.current is not None
        intents.finish(self.desk.conn, self.current.id, "ended", audit_details={"state": state.value})
        self.current = None
        self.desk.show(KioskView(Screen.ASK_STAFF, reason="held", message=message("ask_staff")), hold=RESULT_SCREEN_S)

    def _watch_empty_bin(self) -> None:
        """With nobody served, the bin must stay empty; paper found there stops releases until it is gone."""
        item = self._bin()
        if item is Item.PRESENT:
            self._found_stray()
        elif item is Item.ABSENT and self._stray:
            self._stray = False
            alarms.clear(self.desk.conn, "bin_not_empty", slot=self.shutter, why="the bin is empty again")

    def _found_stray(self) -> None:
        if not self._stray:
            self._stray = True
            self.desk.alarm("bin_not_empty", "paper in the dispenser bin that no one is being served:"
                            " take it out (it is not shown to anyone)", slot=self.shutter, severity="critical")

    def _bin(self) -> Item:
        try:
            return self.desk.locker.status(self.shutter).item
        except LockError:
            return Item.UNKNOWN

    def _board_answers(self) -> bool:
        try:
            return self.desk.locker.status(self.shutter).board_state is BoardState.ANSWERING
        except LockError:
            return False

    def _shutter_open(self) -> bool:
        try:
            return self.desk.locker.status(self.shutter).door is Door.OPEN
        except LockError:
            return False

    # -- after a restart -----------------------------------------------------------

    def recover(self) -> None:
        """Take up the open presentation (there is at most one); close any the job has left behind."""
        for intent in intents.open_intents(self.desk.conn, Kind.PRESENT):
            job = jobs.find_job(self.desk.conn, intent.job or "")
            if self.current is None and job is not None and job.state in _GOING:
                self.current = intent
            else:
                intents.finish(self.desk.conn, intent.id, "stale")
        for intent in intents.open_intents(self.desk.conn, Kind.REJECT):
            intents.finish(self.desk.conn, intent.id, "interrupted")  # the bin sensor tells the rest

    def resume(self) -> None:
        """Nothing to settle beyond what `tick` does once the boards have been read."""
        self.tick()
