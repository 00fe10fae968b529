"""The ledger of used pickup-token ids: a token opens a door once."""

from __future__ import annotations

import sqlite3

from . import audit
from .errors import SpoolError


class TokenAlreadyUsed(SpoolError):
    """This token id was recorded before."""


def is_used(conn: sqlite3.Connection, cti_hex: str) -> bool:
    """True when this token id has been recorded."""
    return conn.execute("SELECT 1 FROM used_tokens WHERE cti = ?", (cti_hex,)).fetchone() is not None


def record_use(conn: sqlite3.Connection, cti_hex: str, job_id: str, at: str | None = None) -> None:
    """Record a token id as used. Call inside the release transaction."""
    if not conn.in_transaction:
        raise SpoolError("record_use must run inside the release transaction")
    if is_used(conn, cti_hex):
        raise TokenAlreadyUsed(f"token {cti_hex} was already used")
    conn.execute("INSERT INTO used_tokens (cti, job_id, used_at) VALUES (?, ?, ?)",
                 (cti_hex, job_id, at or audit.now_text()))


def owner(conn: sqlite3.Connection, cti_hex: str) -> str | None:
    """The job a used token id released, or None if it was never used."""
    row = conn.execute("SELECT job_id FROM used_tokens WHERE cti = ?", (cti_hex,)).fetchone()
    return None if row is None else row["job_id"]
