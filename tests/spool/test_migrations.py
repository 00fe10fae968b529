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


def test_migration_8_keeps_who_cancelled_each_job(tmp_path: Path) -> None:
    """(issue 24) Jobs cancelled before the upgrade take who cancelled them from their `job.cancelled` entry."""
    from spool import jobs

    path = tmp_path / "spool.db"
    raw = sqlite3.connect(path, isolation_level=None)
    raw.row_factory = sqlite3.Row
    for migration in MIGRATIONS[:7]:
        for statement in _statements(migration):
            raw.execute(statement)
    raw.execute("PRAGMA user_version = 7")
    for job_id, actor, details in (("BY-OFFICE", "system", {"by": "office"}), ("BY-DESK", "operator:rina",
                                   {"by": "operator"}), ("OLD-WAY", "system", {}), ("WAITING", None, None)):
        raw.execute("INSERT INTO jobs (id, flow, state, template, template_version, created_at, updated_at)"
                    " VALUES (?, 'locker', ?, 'nib', 1, 'x', 'x')", (job_id, "received" if actor is None else "cancelled"))
        if actor is not None:
            raw.execute("BEGIN")
            audit.append(raw, actor, "job.cancelled", job=job_id, details={"from": "received", "to": "cancelled",
                                                                           **details})
            raw.execute("COMMIT")
    raw.close()
    conn = spool.connect(path)
    assert {j: jobs.get_job(conn, j).cancelled_by for j in ("BY-OFFICE", "BY-DESK", "OLD-WAY", "WAITING")} == \
        {"BY-OFFICE": "office", "BY-DESK": "operator", "OLD-WAY": "office", "WAITING": None}
    assert audit.verify(conn).ok
