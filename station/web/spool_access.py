"""Spool connections for the web process: one per thread (SQLite WAL readers run side by side)."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import spool


class SpoolAccess:
    """Hands each thread its own connection to the spool, opened on first use."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []

    def conn(self) -> sqlite3.Connection:
        """This thread's connection."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = spool.connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        """Close every connection (at shutdown)."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
