"""Issue 23: each cursor of the station table has one typed accessor; old spools keep their values."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import spool
from spool import cursors, refusals


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    conn = spool.connect(tmp_path / "spool.db", create=True)
    yield conn
    conn.close()


def _as_before(conn: sqlite3.Connection, key: str, value: str) -> None:
    """A value as the code before issue 23 wrote it (each module its own SQL)."""
    with spool.write(conn):
        conn.execute("INSERT OR REPLACE INTO station (key, value) VALUES (?, ?)", (key, value))


def test_an_old_spool_keeps_its_cursor_values(conn: sqlite3.Connection) -> None:
    for key, value in (("backoffice.cursor", "page-7"),
                       ("last_vacuum", "2026-12-01T03:00:00Z"), ("id", "KIOSK-1"),
                       ("template.akta-kelahiran.version", "3")):
        _as_before(conn, key, value)
    assert cursors.FEED.get(conn) == "page-7"
    assert cursors.LAST_VACUUM.get(conn) == datetime(2026, 12, 1, 3, tzinfo=UTC)
    assert cursors.STATION_ID.get(conn) == "KIOSK-1"
    assert cursors.template_version("akta-kelahiran").get(conn) == 3


def test_each_cursor_reads_back_what_it_wrote_in_its_own_type(conn: sqlite3.Connection) -> None:
    nib = cursors.template_version("nib")
    assert cursors.FEED.get(conn) is None and nib.get(conn) is None
    nib.set(conn, 7)
    cursors.LAST_VACUUM.set(conn, datetime(2026, 12, 1, 10, 0, 0, 500, tzinfo=UTC))
    cursors.FEED.set(conn, "c1")
    cursors.FEED.set(conn, "c2")
    assert (cursors.FEED.get(conn), nib.get(conn)) == ("c2", 7)
    # The stored form is the one spools always had (whole seconds, Z).
    assert conn.execute("SELECT value FROM station WHERE key = 'last_vacuum'").fetchone()[0] == "2026-12-01T10:00:00Z"


def test_a_value_that_cannot_be_read_names_its_key(conn: sqlite3.Connection) -> None:
    _as_before(conn, "template.nib.version", "forty")
    with pytest.raises(cursors.BadCursor, match="template.nib.version"):
        cursors.template_version("nib").get(conn)


def test_a_refusal_is_recorded_and_listed_newest_first(conn: sqlite3.Connection) -> None:
    assert not refusals.recorded(conn, "DOC-1", "expired")
    with spool.write(conn):
        refusals.record(conn, "DOC-1", "expired", "2026-12-01T00:00:00Z")
        refusals.record(conn, None, "malformed", "2026-12-01T00:00:01Z")
    assert refusals.recorded(conn, "DOC-1", "expired") and not refusals.recorded(conn, "DOC-1", "conflict")
    assert [r["reason"] for r in refusals.newest(conn)] == ["malformed", "expired"]
