"""Changes to documents the station already holds (PROTOCOLS.md §7.1): corrections, conflicts, withdrawals.

Each function runs inside the intake's page transaction and moves the job
through `spool.machine` only:

- a **correction** (same id, higher `revision`) before release replaces the
  document: the job goes back to `received` with the new payload, its old
  PDF is destroyed once the page commits, and paper already printed is
  pulled by staff (a slot holding it is taken out of service with a note
  and an alarm until someone puts it back in service; paper not yet in a
  slot gets an alarm to discard it);
- a **conflict** (same id and revision, other content) before release holds
  the job with reason `conflict` (reported `held`), with a critical alarm,
  until a correction replaces it or it is cancelled;
- a **withdrawal** before release cancels the job (`cancelled`, by the
  office), staff told to pull its paper;
- after release any of them is refused and reported to the back office as
  `held`, once each;
- (issue 21) a withdrawal acts only on the station and revision it names,
  and only if issued at or after that revision's `issued_at`; a correction
  only if issued at or after the revision it replaces. Otherwise it is
  refused and reported the same way (`withdrawal_wrong_station`,
  `withdrawal_wrong_revision`, `withdrawal_before_document`,
  `correction_before_document`).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from spool import alarms, audit, machine, outbox, refusals, rfc3339, rules, slots
from spool.cancel import LOOSE_PAPER_ALARM, WITHDRAWN_PAPER_ALARM, cancel, paper_alarm
from spool.jobs import Job
from spool.states import Change, JobState

from ..errors import Refusal
from .document import Document
from .refused_item import RefusedItem
from .withdrawal import Withdrawal

log = logging.getLogger("station.backoffice.changes")

CONFLICT_ALARM = "backoffice.document_conflict"
# A staff task about the paper of a corrected document: a slot to empty (a withdrawn one's and loose
# paper's are `spool.cancel`'s, re-exported here).
OLD_PAPER_ALARM = "slot_old_paper"
__all__ = ["CONFLICT_ALARM", "LOOSE_PAPER_ALARM", "OLD_PAPER_ALARM", "WITHDRAWN_PAPER_ALARM"]


@dataclass
class Effects:
    """What must happen once the page's transaction has committed."""

    pdfs: list[Path] = field(default_factory=list)  # old documents to destroy

    def apply(self) -> None:
        """Destroy the replaced PDFs (after the commit: a rolled-back page keeps them)."""
        for path in self.pdfs:
            path.unlink(missing_ok=True)


def _stored(job: Job) -> dict[str, Any] | None:
    """The document a job holds, as stored (None when its payload is gone or unreadable)."""
    if job.payload is None:
        return None
    try:
        stored = json.loads(job.payload)
    except ValueError:
        return None
    return stored if isinstance(stored, dict) else None


def revision_of(job: Job) -> int | None:
    """The revision of the document a job holds (None when its payload is gone)."""
    stored = _stored(job)
    revision = stored.get("revision", 0) if stored is not None else None
    return revision if type(revision) is int else None


def issued_of(job: Job) -> datetime | None:
    """When the back office issued the revision a job holds (None when unknown)."""
    stored = _stored(job)
    text = stored.get("issued_at") if stored is not None else None
    return rfc3339.parse_or_none(text)


def _issued_before(issued: datetime, job: Job) -> bool:
    """True when a change was issued before the revision it acts on (unknown counts as before: fail closed)."""
    held = issued_of(job)
    return held is None or issued < held


def before_release(job: Job) -> bool:
    """True while the document has not reached its citizen (it may still be replaced or cancelled)."""
    return rules.before_release(job.flow, job.state, job.held_from)


def _target(change: Change, job: Job) -> JobState | None:
    """The conflict rule (`spool.rules.change_target`): where the change moves the job; None: refused."""
    return rules.change_target(change, job.flow, job.state, job.held_from)


def document_again(conn: sqlite3.Connection, job: Job, doc: Document, *, same_content: bool, actor: str,
                   effects: Effects) -> str | RefusedItem:
    """A document under an id the station holds: `duplicate`, `corrected`, or why it was refused."""
    held = revision_of(job)
    if held is None or doc.rev < held or (doc.rev == held and same_content):
        # Retention cleared a finished job, an older revision, or the same again: nothing to do.
        return "duplicate"
    if doc.rev == held:
        return _conflict(conn, job, doc, actor)
    if _target(Change.CORRECTION, job) is None:
        return refuse_late(conn, job, "correction", doc.rev, actor)
    if _issued_before(doc.issued, job):
        return refuse_unbound(conn, job, "correction", "before_document", doc.rev, actor)
    _correct(conn, job, doc, held, actor, effects)
    return "corrected"


def _correct(conn: sqlite3.Connection, job: Job, doc: Document, held: int, actor: str, effects: Effects) -> None:
    _pull_old_paper(conn, job, actor)
    fields: dict[str, Any] = {"payload": doc.payload(), "pickup_expires": doc.pickup_expires,
                              "template": doc.template, "template_version": doc.template_version,
                              "pdf_path": None, "pdf_sha256": None, "pages": None, "print_attempts": 0}
    details = {"revision": doc.rev, "from_revision": held, "from": job.state.value}
    machine.correct(conn, job.id, doc.rev, actor=actor, details=details, **fields)  # queues its `received`
    alarms.clear(conn, CONFLICT_ALARM, job=job.id, actor=actor, why=f"revision {doc.rev} replaced it")
    if job.pdf_path:
        effects.pdfs.append(Path(job.pdf_path))
    log.info("document %s corrected: revision %d replaces %d (was %s)", job.id, doc.rev, held, job.state.value)


def _conflict(conn: sqlite3.Connection, job: Job, doc: Document, actor: str) -> RefusedItem:
    message = (f"conflict: document {job.id} came again with other content under revision {doc.rev};"
               " held until the back office sends a higher revision, or it is cancelled")
    if _target(Change.CONFLICT, job) is None:
        return refuse_late(conn, job, "conflict", doc.rev, actor)
    if job.state is JobState.HELD and job.held_reason == "conflict":
        return RefusedItem(job.id, Refusal("conflict", message))  # already held for it
    if job.state is JobState.HELD:
        # Held for something else (a retry would release it): hold it for the conflict instead.
        machine.transition(conn, job.id, JobState.RECEIVED, actor=actor, action="job.conflict",
                           details={"revision": doc.rev, "held_reason": job.held_reason})
    machine.transition(conn, job.id, JobState.HELD, actor=actor, reason="conflict", details={"revision": doc.rev})
    _record_refusal(conn, job.id, "conflict", actor, {"revision": doc.rev})
    alarms.raise_alarm(conn, CONFLICT_ALARM, message, severity="critical", job=job.id, device="backoffice",
                       actor=actor)
    return RefusedItem(job.id, Refusal("conflict", message))


def withdraw(conn: sqlite3.Connection, job: Job | None, item: Withdrawal, *, station: str | None,
             actor: str) -> str | RefusedItem:
    """A withdrawal: `withdrawn`, `duplicate` (already cancelled), `unknown` (no such job), or refused.

    It must name this station (`station`; None: none may act) and the
    revision held, and be issued at or after that revision was.
    """
    if job is None:
        log.info("withdrawal of document %s, which this station does not hold: ignored", item.document_id)
        return "unknown"
    if item.station != station:
        return refuse_unbound(conn, job, "withdrawal", "wrong_station", item.revision, actor)
    if item.revision != revision_of(job):
        return refuse_unbound(conn, job, "withdrawal", "wrong_revision", item.revision, actor)
    if _issued_before(item.issued, job):
        return refuse_unbound(conn, job, "withdrawal", "before_document", item.revision, actor)
    if job.state is JobState.CANCELLED:
        return "duplicate"
    if _target(Change.WITHDRAWAL, job) is None:
        return refuse_late(conn, job, "withdrawal", revision_of(job) or 0, actor)
    cancel(conn, job.id, actor=actor, by="office", reason=item.reason_word)
    alarms.clear(conn, CONFLICT_ALARM, job=job.id, actor=actor, why="withdrawn by the back office")
    log.info("document %s withdrawn by the back office (was %s)", job.id, job.state.value)
    return "withdrawn"


def _pull_old_paper(conn: sqlite3.Connection, job: Job, actor: str) -> None:
    """Tell staff to pull paper printed for the document's old form (nothing when none was printed)."""
    if job.slot is None:
        paper_alarm(conn, job, "corrected", actor=actor)
        return
    # The job will be printed and loaded again: the slot is freed but kept
    # out of service until a person confirms the old paper is out.
    slots.vacate(conn, job.slot, actor=actor, reason="document corrected: old paper to pull")
    slots.set_service(conn, job.slot, True, actor=actor,
                      note=f"take out the old paper of document {job.id} (corrected), then put back in service")
    alarms.raise_alarm(conn, OLD_PAPER_ALARM, f"slot {job.slot}: document {job.id} was corrected; take the"
                       " old paper out, then put the slot back in service", job=job.id, slot=job.slot,
                       actor=actor)


def refuse_late(conn: sqlite3.Connection, job: Job, what: str, revision: int, actor: str) -> RefusedItem:
    """A correction, conflict or withdrawal after release: refused, and reported `held` once."""
    reason = "conflict" if what == "conflict" else f"{what}_refused"
    message = f"{reason}: document {job.id} is {job.state.value}; the station no longer holds it for release"
    detail = {"reason": reason, "state": job.state.value, "revision": revision}
    if outbox.enqueue(conn, job.id, "held", detail=detail, key=f"{what}:{revision}"):
        _record_refusal(conn, job.id, reason, actor, {"revision": revision, "state": job.state.value})
        log.info("document %s: %s", job.id, message)
    return RefusedItem(job.id, Refusal(reason, message))


def refuse_unbound(conn: sqlite3.Connection, job: Job, what: str, why: str, revision: int, actor: str) -> RefusedItem:
    """A correction or withdrawal not bound to the document held: refused, reported `held` once, an alarm."""
    reason = f"{what}_{why}"
    message = f"{reason}: the {what} of document {job.id} does not apply to the revision this station holds"
    detail = {"reason": reason, "state": job.state.value, "revision": revision}
    if outbox.enqueue(conn, job.id, "held", detail=detail, key=f"{what}:{why}:{revision}"):
        _record_refusal(conn, job.id, reason, actor, {"revision": revision, "state": job.state.value})
        alarms.raise_alarm(conn, f"backoffice.{reason}", f"a {what} of document {job.id} came and was refused"
                           f" ({reason})", severity="warning", job=job.id, device="backoffice", actor=actor)
        log.warning("document %s: %s", job.id, message)
    return RefusedItem(job.id, Refusal(reason, message))


def _record_refusal(conn: sqlite3.Connection, job_id: str, reason: str, actor: str,
                    details: dict[str, Any]) -> None:
    entry = audit.append(conn, actor, "document.refused", job=job_id, details={"reason": reason, **details})
    refusals.record(conn, job_id, reason, entry.at)
