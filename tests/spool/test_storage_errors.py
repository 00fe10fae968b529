"""Issue 22, point 7: a spool write that the disk refuses is reported at once, and nothing is left open."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import spool
from spool import db


def test_a_write_the_disk_refuses_is_reported_and_rolled_back(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    spool.connect(path, create=True).close()
    conn = spool.connect(path, readonly=True)  # SQLite answers as for a read-only file system: READONLY
    heard: list[tuple[str, str]] = []
    unsubscribe = db.on_storage_error(lambda word, detail: heard.append((word, detail)))
    try:
        with pytest.raises(sqlite3.OperationalError), db.write(conn):
            conn.execute("INSERT INTO station (key, value) VALUES ('probe', 'x')")
        assert [word for word, _ in heard] == ["read_only"]
        assert not conn.in_transaction
    finally:
        unsubscribe()
        conn.close()


def test_other_errors_are_not_the_disks() -> None:
    heard: list[str] = []
    unsubscribe = db.on_storage_error(lambda word, detail: heard.append(word))
    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        with pytest.raises(sqlite3.OperationalError), db.write(conn):
            conn.execute("INSERT INTO nowhere VALUES (1)")
        assert heard == [] and not conn.in_transaction
    finally:
        unsubscribe()
        conn.close()
