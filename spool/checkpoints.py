"""The `checkpoints` table: the signed audit checkpoints this station made, and which the back office took.

Signing and verifying is `station.trust.checkpoint`; this module keeps the rows.
"""

from __future__ import annotations

import sqlite3
from typing import NamedTuple

from .audit import now_text
from .db import write


class Stored(NamedTuple):
    """One stored checkpoint (the station id is not stored: it is the spool's own)."""

    seq: int
    hash: str
    at: str
    kid: str
    signature: str


def save(conn: sqlite3.Connection, made: Stored) -> None:
    """Record a checkpoint (replacing one of the same sequence); joins the caller's transaction."""
    with write(conn):
        conn.execute("INSERT OR REPLACE INTO checkpoints (seq, hash, at, kid, signature) VALUES (?, ?, ?, ?, ?)",
                     tuple(made))


def stored(conn: sqlite3.Connection, *, unsent: bool = False) -> list[Stored]:
    """The checkpoints, oldest first; only those the back office has not taken yet with `unsent`."""
    rows = conn.execute("SELECT seq, hash, at, kid, signature FROM checkpoints"
                        + (" WHERE sent_at IS NULL" if unsent else "") + " ORDER BY seq").fetchall()
    return [Stored(row["seq"], row["hash"], row["at"], row["kid"], row["signature"]) for row in rows]


def latest_at(conn: sqlite3.Connection) -> str | None:
    """When the newest checkpoint was made, None before the first."""
    row = conn.execute("SELECT at FROM checkpoints ORDER BY seq DESC LIMIT 1").fetchone()
    return None if row is None else row["at"]


def mark_sent(conn: sqlite3.Connection, seq: int) -> None:
    """Record, durably, that the back office took the checkpoint of sequence `seq`."""
    with write(conn):
        conn.execute("UPDATE checkpoints SET sent_at = ? WHERE seq = ? AND sent_at IS NULL", (now_text(), seq))
