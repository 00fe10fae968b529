"""Migrations: an old spool opens, upgrades in place and keeps its data and chain."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import spool
from spool import alarms, audit, machine
from spool.db import _statements
from spool.schema import MIGRATIONS, SCHEMA_VERSION


def test_version_one_spool_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    raw = sqlite3.connect(path, isolation_level=None)
    for statement in _statements(MIGRATIONS[0]):
        raw.execute(statement)
    raw.execute("PRAGMA user_version = 1")
    raw.execute("INSERT INTO jobs (id, flow, state, template, template_version, created_at, updated_at)"
                " VALUES ('OLD-1', 'locker', 'received', 'nib', 1, 'x', 'x')")
    raw.close()
    conn = spool.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    job = machine.transition(conn, "OLD-1", "rendered", actor="system")
    assert job.pin_failures == 0 and job.reopens == 0
    alarms.raise_alarm(conn, "door_open", "door 1-03 open too long", slot="1-03")
    assert audit.verify(conn).ok


def test_newer_spool_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    spool.connect(path, create=True).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(spool.SpoolError, match="newer"):
        spool.connect(path)


def test_alarms_deduplicate_and_acknowledge(tmp_path: Path) -> None:
    conn = spool.connect(tmp_path / "s.db", create=True)
    first = alarms.raise_alarm(conn, "latch_jammed", "slot 1-02 did not open", slot="1-02", severity="critical")
    again = alarms.raise_alarm(conn, "latch_jammed", "slot 1-02 did not open", slot="1-02", severity="critical")
    assert first.id == again.id and len(alarms.list_alarms(conn, open_only=True)) == 1
    done = alarms.acknowledge(conn, first.id, actor="operator:rina")
    assert not done.open and done.acknowledged_by == "operator:rina"
    with pytest.raises(spool.SpoolError, match="already acknowledged"):
        alarms.acknowledge(conn, first.id, actor="operator:rina")
    assert alarms.list_alarms(conn, open_only=True) == []
