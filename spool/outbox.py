"""The back-office outbox: the events that report a document's progress (PROTOCOLS.md §7), queued in the spool.

This module owns the `outbox` table. An event is queued in the transaction
of the change it reports, so a crash can neither lose it nor report a change
that did not commit:

- `spool.machine` queues the event of every reported transition itself
  (`report_transition`) and `received` when a document (or a correction of
  it) comes in (`report_received`): the machine knows the from-state, the
  to-state and the actor, so nothing has to read the audit afterwards to
  find out what happened;
- a refusal the back office must hear of is queued by its maker (`enqueue`).

One row per `(document, event, key)` (`INSERT OR IGNORE`): queuing the same
report twice is a no-op, and `key` tells apart reports of one event that must
each be sent (a corrected document's revision, a refused correction).
`station.backoffice.outbox` sends the rows, oldest first.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from .audit import Entry, canonical_json, now_text
from .db import write
from .errors import SpoolError
from .states import JobState

EVENTS = ("received", "printed", "staged", "released", "collected", "expired", "returned", "held", "cancelled",
          "retained")
# Job states whose entry is reported to the back office, by event name.
EVENT_FOR_STATE: dict[JobState, str] = {JobState(e): e for e in EVENTS}
MAX_DETAIL_BYTES = 4096
MAX_REASON = 200  # characters of a reason word sent on (reasons are short words; a long one is cut)


class OutboxError(SpoolError):
    """An event cannot be queued as asked (unknown event, detail not a small JSON object)."""


@dataclass(frozen=True)
class Event:
    """One queued event."""

    id: int
    document_id: str
    event: str
    at: str
    detail: dict[str, Any]
    sent_at: str | None
    attempts: int

    def body(self, station: str) -> dict[str, Any]:
        """The §7 request body for `POST /api/v1/documents/{id}/events`."""
        return {"event": self.event, "at": self.at, "station": station, "detail": self.detail}


def _event(row: sqlite3.Row) -> Event:
    return Event(row["id"], row["document_id"], row["event"], row["at"], json.loads(row["detail"]),
                 row["sent_at"], row["attempts"])


def enqueue(conn: sqlite3.Connection, document_id: str, event: str, *, at: str | None = None,
            detail: dict[str, Any] | None = None, key: str = "") -> bool:
    """Queue one event; True when new, False when this (document, event, key) was queued before.

    Call it inside the transaction of the change it reports (`spool.write`
    joins an outer transaction), so both commit or neither does.
    """
    if event not in EVENTS:
        raise OutboxError(f"unknown back-office event {event!r}: one of {', '.join(EVENTS)}")
    if not isinstance(document_id, str) or not document_id:
        raise OutboxError("an event needs a document id")
    detail = dict(detail or {})
    try:
        encoded = canonical_json(detail).decode("utf-8")
    except (TypeError, ValueError) as err:
        raise OutboxError(f"event detail is not JSON: {err}") from None
    if len(encoded) > MAX_DETAIL_BYTES:
        raise OutboxError(f"event detail is {len(encoded)} bytes, over {MAX_DETAIL_BYTES}")
    with write(conn):
        cur = conn.execute("INSERT OR IGNORE INTO outbox (document_id, event, key, at, detail)"
                           " VALUES (?, ?, ?, ?, ?)", (document_id, event, key, at or now_text(), encoded))
    return cur.rowcount == 1


def revision_key(revision: int) -> str:
    """The outbox key of a state event of a document's `revision` (none for the first)."""
    return f"r{revision}" if revision else ""


# --- what the state machine reports ---------------------------------------------------------------

def reported_revision(conn: sqlite3.Connection, job_id: str) -> int:
    """The revision a job's events report: the one its last correction took (0 before any)."""
    row = conn.execute("SELECT outbox_revision FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return int(row[0]) if row is not None else 0


def take_revision(conn: sqlite3.Connection, job_id: str, revision: int) -> None:
    """A correction took `revision`: the job's events from now on report it (call in its transaction)."""
    if type(revision) is not int or revision < 0:
        raise OutboxError(f"job {job_id}: a revision is a whole number, not {revision!r}")
    with write(conn):
        conn.execute("UPDATE jobs SET outbox_revision = ? WHERE id = ?", (revision, job_id))


def report_received(conn: sqlite3.Connection, job_id: str, *, at: str) -> bool:
    """Queue `received` for the revision the job holds (once per revision); the one way it is queued."""
    revision = reported_revision(conn, job_id)
    detail = {"revision": revision} if revision else {}
    return enqueue(conn, job_id, "received", at=at, detail=detail, key=revision_key(revision))


def report_transition(conn: sqlite3.Connection, entry: Entry, target: JobState, *, actor: str,
                      info: dict[str, Any]) -> bool:
    """Queue the event that reports the transition `entry` recorded, if `target` is reported (§7).

    `info` is what the transition recorded (its reason, `by` for a cancel).
    The detail is what the back office has always been sent: the audit
    sequence number (to match the station's own record), the slot, the
    reason, who cancelled, and the revision once a correction was taken.
    """
    if target is JobState.RECEIVED:
        return report_received(conn, str(entry.job), at=entry.at)
    event = EVENT_FOR_STATE.get(target)
    if event is None or entry.job is None:
        return False
    detail: dict[str, Any] = {"audit_seq": entry.seq}
    if entry.slot:
        detail["slot"] = entry.slot
    if isinstance(info.get("reason"), str):
        detail["reason"] = info["reason"][:MAX_REASON]
    if event == "cancelled":
        detail["by"] = cancelled_by(actor, info)
    elif event == "released" and info.get("by") == "staff":
        detail["by"] = "staff"  # (issue 24) handed over after an ID check, not opened by a token
    revision = reported_revision(conn, entry.job)
    if revision:
        detail["revision"] = revision
    return enqueue(conn, entry.job, event, at=entry.at, detail=detail, key=revision_key(revision))


def cancelled_by(actor: str, details: dict[str, Any]) -> str:
    """Who cancelled (§7.1 `detail.by`): the back office (a withdrawal) or an operator."""
    if details.get("by") in ("office", "operator"):
        return str(details["by"])
    return "office" if actor in ("system", "backoffice") else "operator"


# --- what the sender reads and marks ---------------------------------------------------------------

def pending(conn: sqlite3.Connection, limit: int = 100) -> list[Event]:
    """Events not yet delivered, oldest first."""
    rows = conn.execute("SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?", (limit,))
    return [_event(row) for row in rows]


def pending_count(conn: sqlite3.Connection) -> int:
    """How many events wait to be delivered."""
    return conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]


def events_for(conn: sqlite3.Connection, document_id: str) -> list[Event]:
    """Every event queued for one document, oldest first."""
    rows = conn.execute("SELECT * FROM outbox WHERE document_id = ? ORDER BY id", (document_id,))
    return [_event(row) for row in rows]


def mark_sent(conn: sqlite3.Connection, event_id: int, *, at: str | None = None) -> None:
    """Record, durably, that the back office took the event."""
    with write(conn):
        conn.execute("UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ? AND sent_at IS NULL",
                     (at or now_text(), event_id))


def note_attempt(conn: sqlite3.Connection, event_id: int) -> None:
    """Count a failed delivery attempt (what an operator sees as attempts)."""
    with write(conn):
        conn.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (event_id,))

