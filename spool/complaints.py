"""The `complaints` table: citizens' complaints queued for the back office, one per kiosk alarm.

What a complaint says and where it goes is `station.backoffice.complaints`;
this module only keeps the queue. Rows come back as they are stored.
"""

from __future__ import annotations

import sqlite3

from .audit import now_text
from .db import write


def insert(conn: sqlite3.Connection, alarm_id: int, problem: str, *, job: str | None, slot: str | None,
           at: str) -> bool:
    """Queue a complaint; False when that alarm has one already (joins the caller's transaction)."""
    with write(conn):
        cur = conn.execute("INSERT OR IGNORE INTO complaints (alarm_id, document_id, problem, slot_id, at)"
                           " VALUES (?, ?, ?, ?, ?)", (alarm_id, job, problem, slot, at))
    return cur.rowcount == 1


def pending(conn: sqlite3.Connection, limit: int) -> list[sqlite3.Row]:
    """Complaints not yet delivered, oldest first."""
    return conn.execute("SELECT * FROM complaints WHERE sent_at IS NULL ORDER BY id LIMIT ?", (limit,)).fetchall()


def pending_count(conn: sqlite3.Connection) -> int:
    """How many complaints wait to be delivered."""
    return int(conn.execute("SELECT COUNT(*) FROM complaints WHERE sent_at IS NULL").fetchone()[0])


def newest(conn: sqlite3.Connection, limit: int) -> list[sqlite3.Row]:
    """Complaints newest first, delivered or not."""
    return conn.execute("SELECT * FROM complaints ORDER BY id DESC LIMIT ?", (limit,)).fetchall()


def mark_sent(conn: sqlite3.Connection, complaint_id: int) -> None:
    """Record, durably, that the back office took the complaint."""
    with write(conn):
        conn.execute("UPDATE complaints SET sent_at = ?, attempts = attempts + 1 WHERE id = ? AND sent_at IS NULL",
                     (now_text(), complaint_id))


def note_attempt(conn: sqlite3.Connection, complaint_id: int) -> None:
    """Count a failed delivery attempt."""
    with write(conn):
        conn.execute("UPDATE complaints SET attempts = attempts + 1 WHERE id = ?", (complaint_id,))
