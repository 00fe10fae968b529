"""Issue 22, point 5, in parts: the spool zeroes what it deletes, cuts its WAL, rebuilds on schedule;
the log file rotates. (The whole-station proof: tests/station/test_retention_disk.py.)"""

from __future__ import annotations

import logging
import logging.handlers
from datetime import UTC, datetime, timedelta
from pathlib import Path

import spool
from spool import db, machine
from spool.states import Flow
from station import logs
from station.parts import housekeeping

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)
NIK = "3171012345678901"


def test_cleared_data_leaves_the_file_and_the_wal(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    conn = spool.connect(path, create=True)
    assert conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    machine.create_job(conn, "J1", flow=Flow.LOCKER, template="nib", template_version=1,
                       payload='{"nik": "%s", "nama": "Budi Santoso"}' % NIK)
    assert db.truncate_wal(conn)
    assert NIK.encode() in path.read_bytes()
    machine.annotate(conn, "J1", "job.personal_data_cleared", actor="system", details={}, payload=None)
    assert NIK.encode() in path.read_bytes()  # the old page, until the WAL is checkpointed
    assert housekeeping.compact(conn, NOW, vacuum_days=7) is False  # the first pass starts the schedule
    assert Path(f"{path}-wal").stat().st_size == 0
    assert NIK.encode() not in path.read_bytes() and b"Budi Santoso" not in path.read_bytes()


def test_vacuum_runs_on_its_schedule(tmp_path: Path) -> None:
    conn = spool.connect(tmp_path / "s.db", create=True)
    assert housekeeping.compact(conn, NOW, vacuum_days=7) is False
    assert housekeeping.compact(conn, NOW + timedelta(days=6), vacuum_days=7) is False
    assert housekeeping.compact(conn, NOW + timedelta(days=7), vacuum_days=7) is True
    assert housekeeping.compact(conn, NOW + timedelta(days=8), vacuum_days=7) is False


def test_the_daemon_rotates_its_log_file_and_others_follow(tmp_path: Path) -> None:
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        logs.setup("info", tmp_path / "station.log", keep_days=3)
        [handler] = root.handlers
        assert isinstance(handler, logging.handlers.TimedRotatingFileHandler)
        assert (handler.when, handler.backupCount) == ("MIDNIGHT", 3)
        logs.setup("info", tmp_path / "station.log")  # another process (the web part): follows, never rotates
        [handler] = root.handlers
        assert isinstance(handler, logging.handlers.WatchedFileHandler)
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
