"""The ledger of device acts: intent, act, outcome.

Every act on a device follows the write-ahead rule through this one ledger:
record what the station means to do (an open intent), do it, then record
what came of it (the intent finished with its outcome). After a crash,
recovery walks the open intents of every kind and asks the device what
became of each before it acts again.

An intent's `detail` holds what its recovery needs to know (the printer's
job id, the phase of a presentation); it is updated while the act goes on.
Each intent and each outcome is also appended to the audit chain, which is
the record for people: no code decides anything by reading the audit.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from . import audit
from .db import write
from .errors import SpoolError


class Kind(StrEnum):
    """The device acts the station records before doing them."""

    UNLOCK = "unlock"            # a citizen's verified token opens a locker slot
    PRESENT = "present"          # dispenser: one presentation, from release to paper taken or retained
    REJECT = "reject"            # dispenser: retained paper sent to the reject box
    LOAD = "load"                # a slot opened for staff to put a printed document in
    MANUAL_OPEN = "manual_open"  # a technician opens a slot by hand
    MOVE = "move"                # a staged document moved to another slot (two doors, one after the other)
    PRINT = "print"              # one print attempt, from submission to its end


@dataclass(frozen=True)
class Intent:
    """One recorded act: open until its outcome is recorded."""

    id: int
    kind: Kind
    job: str | None
    slot: str | None
    detail: dict[str, Any]
    created_at: str
    outcome: str | None
    finished_at: str | None

    @property
    def open(self) -> bool:
        return self.finished_at is None


def _intent(row: sqlite3.Row) -> Intent:
    return Intent(row["id"], Kind(row["kind"]), row["job_id"], row["slot_id"], json.loads(row["detail"]),
                  row["created_at"], row["outcome"], row["finished_at"])


def record(conn: sqlite3.Connection, kind: Kind, *, job: str | None = None, slot: str | None = None,
           detail: dict[str, Any] | None = None, actor: str = "system", audited: bool = True) -> Intent:
    """Record an intent, durably, before the act (joins the caller's transaction if there is one).

    `audited=False` when the caller's own audit entry in the same transaction
    already says what is meant (a release, a print attempt).
    """
    kind = Kind(kind)
    detail = dict(detail or {})
    with write(conn):
        at = audit.now_text()
        cur = conn.execute("INSERT INTO intents (kind, job_id, slot_id, detail, created_at) VALUES (?, ?, ?, ?, ?)",
                           (kind.value, job, slot, _dump(detail), at))
        intent_id = int(cur.lastrowid)  # type: ignore[arg-type]
        if audited:
            audit.append(conn, actor, f"{kind.value}.intent", job=job, slot=slot, details={"intent": intent_id})
    return get(conn, intent_id)


def update(conn: sqlite3.Connection, intent_id: int, **detail: Any) -> Intent:
    """Add to an open intent's detail (the act goes on: a printer job id, a new phase)."""
    with write(conn):
        intent = get(conn, intent_id)
        if not intent.open:
            raise SpoolError(f"intent {intent_id} ({intent.kind}) is finished: {intent.outcome}")
        conn.execute("UPDATE intents SET detail = ? WHERE id = ?", (_dump({**intent.detail, **detail}), intent_id))
    return get(conn, intent_id)


def finish(conn: sqlite3.Connection, intent_id: int, outcome: str, *, actor: str = "system",
           detail: dict[str, Any] | None = None, audit_details: dict[str, Any] | None = None,
           audited: bool = True) -> Intent:
    """Record the outcome of an act (audited as `KIND.OUTCOME`); finishing twice is refused.

    `audited=False` when the caller's own audit entry in the same transaction
    records the outcome (a print attempt's `job.printed`).
    """
    with write(conn):
        intent = get(conn, intent_id)
        if not intent.open:
            raise SpoolError(f"intent {intent_id} ({intent.kind}) already finished: {intent.outcome}")
        at = audit.now_text()
        if audited:
            at = audit.append(conn, actor, f"{intent.kind.value}.{outcome}", job=intent.job, slot=intent.slot,
                              details={"intent": intent_id, **(audit_details or {})}).at
        conn.execute("UPDATE intents SET outcome = ?, finished_at = ?, detail = ? WHERE id = ?",
                     (outcome, at, _dump({**intent.detail, **(detail or {})}), intent_id))
    return get(conn, intent_id)


def get(conn: sqlite3.Connection, intent_id: int) -> Intent:
    """One intent by id."""
    row = conn.execute("SELECT * FROM intents WHERE id = ?", (intent_id,)).fetchone()
    if row is None:
        raise SpoolError(f"no intent {intent_id}")
    return _intent(row)


def open_intents(conn: sqlite3.Connection, kind: Kind | None = None) -> list[Intent]:
    """Intents whose outcome is not recorded yet (of one kind, or all), oldest first."""
    if kind is None:
        rows = conn.execute("SELECT * FROM intents WHERE finished_at IS NULL ORDER BY id")
    else:
        rows = conn.execute("SELECT * FROM intents WHERE finished_at IS NULL AND kind = ? ORDER BY id",
                            (Kind(kind).value,))
    return [_intent(row) for row in rows.fetchall()]


def of_job(conn: sqlite3.Connection, job: str, kind: Kind) -> list[Intent]:
    """A job's intents of one kind, oldest first."""
    rows = conn.execute("SELECT * FROM intents WHERE job_id = ? AND kind = ? ORDER BY id", (job, Kind(kind).value))
    return [_intent(row) for row in rows.fetchall()]


def open_for(conn: sqlite3.Connection, job: str, kind: Kind) -> Intent | None:
    """The job's open intent of this kind, if any."""
    row = conn.execute("SELECT * FROM intents WHERE job_id = ? AND kind = ? AND finished_at IS NULL"
                       " ORDER BY id DESC LIMIT 1", (job, Kind(kind).value)).fetchone()
    return None if row is None else _intent(row)


def last_at(conn: sqlite3.Connection, slot: str) -> Intent | None:
    """The newest intent that named this slot (whose document was it for, last?)."""
    row = conn.execute("SELECT * FROM intents WHERE slot_id = ? AND job_id IS NOT NULL ORDER BY id DESC LIMIT 1",
                       (slot,)).fetchone()
    return None if row is None else _intent(row)


def last_release(conn: sqlite3.Connection, since: str) -> Intent | None:
    """The newest citizen release (a locker unlock, a dispenser presentation) recorded at `since` or later.

    `since` is a time as the ledger writes it (RFC 3339, UTC, milliseconds), which sorts as text.
    """
    row = conn.execute("SELECT * FROM intents WHERE kind IN (?, ?) AND job_id IS NOT NULL AND created_at >= ?"
                       " ORDER BY id DESC LIMIT 1", (Kind.UNLOCK.value, Kind.PRESENT.value, since)).fetchone()
    return None if row is None else _intent(row)


def _dump(detail: dict[str, Any]) -> str:
    return json.dumps(detail, sort_keys=True, separators=(",", ":"))


__all__ = ["Kind", "Intent", "record", "update", "finish", "get", "open_intents", "of_job", "open_for", "last_at"]
