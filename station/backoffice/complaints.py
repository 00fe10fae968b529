"""Citizens' complaints for the back office (PROTOCOLS.md §7.1), queued durably, sent once each.

A complaint is queued in the same transaction as the kiosk alarm it comes
from (`enqueue`, one per alarm: a citizen who presses twice raises one alarm
and sends one complaint). The outbox's `Sender` delivers pending complaints
after the documents' events: as a `complaint` event of the document when the
kiosk knew it, else to `POST /api/v1/stations/{station}/complaints`. The body
never carries personal data: a problem word, the slot, the time.

A crash between the back office's answer and `mark_sent` sends the same body
again (same `at`, same detail); the back office takes an identical complaint
once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from spool import complaints as queue
from spool.audit import now_text

PROBLEMS = ("document_missing", "wrong_document", "door_stuck", "other")


@dataclass(frozen=True)
class Complaint:
    """One queued complaint."""

    id: int
    alarm_id: int
    document_id: str | None
    problem: str
    slot: str | None
    at: str
    sent_at: str | None
    attempts: int

    def body(self, station: str) -> dict[str, Any]:
        """The §7.1 request body."""
        detail: dict[str, Any] = {"problem": self.problem}
        if self.slot:
            detail["slot"] = self.slot
        return {"event": "complaint", "at": self.at, "station": station, "detail": detail}

    def path(self, station: str) -> str:
        """Where it is posted: the document's events, else the station's complaints."""
        if self.document_id:
            return f"/api/v1/documents/{quote(self.document_id, safe='')}/events"
        return f"/api/v1/stations/{quote(station, safe='')}/complaints"

    def as_dict(self) -> dict[str, Any]:
        """For listings (no personal data: ids, a problem word, a slot, times)."""
        return {"id": self.id, "alarm": self.alarm_id, "job": self.document_id, "problem": self.problem,
                "slot": self.slot, "at": self.at, "sent_at": self.sent_at, "attempts": self.attempts}


def _complaint(row: sqlite3.Row) -> Complaint:
    return Complaint(row["id"], row["alarm_id"], row["document_id"], row["problem"], row["slot_id"],
                     row["at"], row["sent_at"], row["attempts"])


def enqueue(conn: sqlite3.Connection, alarm_id: int, problem: str, *, job: str | None = None,
            slot: str | None = None, at: str | None = None) -> bool:
    """Queue the complaint of one kiosk alarm; False when that alarm already has one.

    Call it inside the alarm's transaction (`spool.write` joins it).
    """
    if problem not in PROBLEMS:
        raise ValueError(f"unknown problem {problem!r}: one of {', '.join(PROBLEMS)}")
    return queue.insert(conn, alarm_id, problem, job=job, slot=slot, at=at or now_text())


def pending(conn: sqlite3.Connection, limit: int = 100) -> list[Complaint]:
    """Complaints not yet delivered, oldest first."""
    return [_complaint(row) for row in queue.pending(conn, limit)]


def pending_count(conn: sqlite3.Connection) -> int:
    """How many complaints wait to be delivered."""
    return queue.pending_count(conn)


def listed(conn: sqlite3.Connection, limit: int = 100) -> list[Complaint]:
    """Complaints newest first, delivered or not."""
    return [_complaint(row) for row in queue.newest(conn, limit)]


def mark_sent(conn: sqlite3.Connection, complaint_id: int) -> None:
    """Record, durably, that the back office took the complaint."""
    queue.mark_sent(conn, complaint_id)


def note_attempt(conn: sqlite3.Connection, complaint_id: int) -> None:
    """Count a failed delivery attempt."""
    queue.note_attempt(conn, complaint_id)
