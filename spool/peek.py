"""A look into a spool file by a tool that must neither create nor migrate it (`station doctor`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .audit import last_at


def last_audit_time(path: str | Path) -> str | None:
    """When the newest audit entry was written, None when the chain is empty.

    `sqlite3.Error` when there is no spool there, or not one. A plain read-write
    connection: the last one to close removes the WAL and SHM files it opened,
    where a read-only one would leave them behind.
    """
    conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True)
    try:
        conn.row_factory = sqlite3.Row
        return last_at(conn)
    finally:
        conn.close()
