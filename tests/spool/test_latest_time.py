"""Issue 22, point 2: the latest time recorded is the maximum of every entry's time, never lowered."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import spool
from spool import audit

BASE = datetime(2026, 12, 1, tzinfo=UTC)


def _text(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(-10**7, 10**7), min_size=1, max_size=12))
def test_the_mark_is_the_latest_time_ever_recorded(offsets_ms: list[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        conn = spool.connect(Path(folder) / "s.db", create=True)
        try:
            for offset in offsets_ms:  # a clock that jumps back and forth
                with spool.write(conn):
                    audit.append(conn, "system", "test.tick", at=_text(BASE + timedelta(milliseconds=offset)))
            assert audit.latest_time(conn) == _text(BASE + timedelta(milliseconds=max(offsets_ms)))
            # A spool from before the mark: its chain's latest time, written once at start.
            conn.execute("DELETE FROM station WHERE key = ?", (audit.LATEST_KEY,))
            assert audit.latest_time(conn) == _text(BASE + timedelta(milliseconds=max(offsets_ms)))
            audit.seed_latest(conn)
            row = conn.execute("SELECT value FROM station WHERE key = ?", (audit.LATEST_KEY,)).fetchone()
            assert row["value"] == _text(BASE + timedelta(milliseconds=max(offsets_ms)))
        finally:
            conn.close()
