"""Documents the station refused (`refused_documents`): written here, and only here.

Three paths refuse a document: the back-office feed (`intake`), a
correction or withdrawal that does not apply (`changes`), and a file import.
Each records the refusal once per (document, reason); the ops page lists
them newest first. A refusal carries no personal data: an id, a reason
word, a time.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .db import write


def recorded(conn: sqlite3.Connection, document_id: str, reason: str) -> bool:
    """True when this document was refused already for this reason."""
    return conn.execute("SELECT 1 FROM refused_documents WHERE document_id = ? AND reason = ?",
                        (document_id, reason)).fetchone() is not None


def record(conn: sqlite3.Connection, document_id: str | None, reason: str, at: str) -> None:
    """Record one refusal (call it in the transaction of its audit entry; `at` is that entry's time)."""
    with write(conn):
        conn.execute("INSERT INTO refused_documents (document_id, reason, at) VALUES (?, ?, ?)",
                     (document_id, reason, at))


def newest(conn: sqlite3.Connection, limit: int = 100) -> list[dict[str, Any]]:
    """Refused documents, newest first: `{"document_id", "reason", "at"}` each."""
    rows = conn.execute("SELECT document_id, reason, at FROM refused_documents ORDER BY id DESC LIMIT ?",
                        (limit,))
    return [dict(row) for row in rows]
