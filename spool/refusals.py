"""Documents and changes the station refused (the `refused_documents` table), recorded with their audit entry."""

from __future__ import annotations

import sqlite3
from typing import Any

from . import audit
from .db import write


def record(conn: sqlite3.Connection, document_id: str | None, reason: str, *, actor: str,
           details: dict[str, Any] | None = None) -> audit.Entry:
    """Record one refusal: the `document.refused` audit entry and its row, in one transaction."""
    with write(conn):
        entry = audit.append(conn, actor, "document.refused", job=document_id, details={"reason": reason,
                                                                                        **(details or {})})
        conn.execute("INSERT INTO refused_documents (document_id, reason, at) VALUES (?, ?, ?)",
                     (document_id, reason, entry.at))
    return entry
