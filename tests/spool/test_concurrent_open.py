"""Processes that open an older spool at the same moment (the daemon, its web process, a command) migrate it once."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

from spool_workers import open_spool

import spool

from spool.db import _statements
from spool.schema import MIGRATIONS, SCHEMA_VERSION


def _spool_of_version_1(path: Path) -> None:
    """A spool as the first release left it: WAL, the first migration only (as after a software upgrade)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    for statement in _statements(MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.close()


def test_many_processes_opening_an_older_spool_at_once_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    for round_ in range(5):
        path = tmp_path / f"spool-{round_}.db"
        _spool_of_version_1(path)
        start, results = context.Barrier(6), context.Queue()
        workers = [context.Process(target=open_spool, args=(str(path), start, results)) for _ in range(6)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(60)
        assert sorted(results.get(timeout=5) for _ in workers) == ["ok"] * 6
        conn = spool.connect(path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        conn.close()
