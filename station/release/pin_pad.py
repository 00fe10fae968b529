"""The PIN pad: a token may ask for the PIN the citizen got apart; too many wrong tries lock the document."""

from __future__ import annotations

import time

from spool import jobs, machine
from spool.states import Flow

from station.release.kiosk import KioskView, Screen, at_time
from station.trust.pin import PinVerifierError, check_pin
from .eligibility import ready_now
from .ports import Desk
from .screens import document_of, message
from .session import ReleaseRefused, Session

PIN_TIMEOUT_S = 90.0


def raise_locked(desk: Desk, job_id: str, failures: int) -> None:
    """The document is locked (wrong PINs or codes): the alarm says staff's next step, then `pin_locked`.

    (issue 24) No dead end: staff check the citizen's KTP and hand the document
    over (`station jobs handover`, or the ops page's "hand over after an ID check").
    """
    desk.alarm("pin_locked", f"document {job_id}: PIN or pickup code wrong {failures} times. Next step: check the"
               " citizen's ID card (KTP) and hand the document over after an ID check (ops page, or"
               f" `station jobs handover {job_id} --nik-last4 NNNN --reason ...`)", job=job_id)
    raise ReleaseRefused("pin_locked", job_id)


class PinPad:
    """Asks for the PIN and checks it against the document's verifier (wrong tries are counted durably)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.attempts = desk.cfg.release.pin_attempts

    def ask(self, session: Session, job: jobs.Job) -> KioskView:
        """Show the pad (or refuse a document already locked)."""
        if job.pin_failures >= self.attempts:
            raise ReleaseRefused("pin_locked", job.id)
        session.waiting_pin_until = time.monotonic() + PIN_TIMEOUT_S
        session.reset_at = at_time(time.time() + PIN_TIMEOUT_S)  # (issue 24) the page counts down to it
        return self.desk.show(KioskView(Screen.PIN, session=session.id, reason="pin_required",
                                        message=message("pin_required"), reset_at=session.reset_at,
                                        job={"attempts_left": self.attempts - job.pin_failures}))

    def follow(self, session: Session) -> jobs.Job:
        """The session's job while the pad waits; the `ReleaseRefused` with its true state once it moved (issue 22)."""
        return ready_now(self.desk.conn, session.job_id, Flow(self.desk.cfg.station.kind))

    def check(self, session: Session, pin: str) -> KioskView | None:
        """None when the PIN is right (the release goes on); the pad again when wrong; `pin_locked` at the limit."""
        job = self.follow(session)  # withdrawn, corrected or expired at the pad: its true state, not a PIN check
        if job.pin_failures >= self.attempts:
            raise ReleaseRefused("pin_locked", job.id)
        verifier = document_of(job).get("pin_verifier")
        try:
            good = isinstance(verifier, str) and check_pin(pin, verifier)
        except PinVerifierError:
            good = False
        if good:
            asked_at = (session.waiting_pin_until or time.monotonic()) - PIN_TIMEOUT_S
            session.pin_seconds = time.monotonic() - asked_at
            session.waiting_pin_until = None
            return None
        failures = job.pin_failures + 1
        machine.annotate(self.desk.conn, job.id, "release.pin_wrong", actor="citizen",
                         details={"failures": failures}, pin_failures=failures)
        if failures >= self.attempts:
            raise_locked(self.desk, job.id, failures)
        return self.desk.show(KioskView(Screen.PIN, session=session.id, reason="pin_wrong",
                                        message=message("pin_required"), reset_at=session.reset_at,
                                        job={"attempts_left": self.attempts - failures, "wrong": True}))
