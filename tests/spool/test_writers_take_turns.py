"""Writers of one process take turns on a lock before SQLite's: the second wakes when the first commits."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import spool
from spool import alarms


def test_a_second_writer_waits_its_turn_in_the_process_not_in_sqlites_busy_sleeps(tmp_path: Path) -> None:
    """Before, the second writer's BEGIN IMMEDIATE ran at once and slept in SQLite's busy handler (1, 2, 5 ms
    steps: a release behind a render commit paid them). Now it does not reach SQLite until the first commits."""
    path = tmp_path / "spool.db"
    spool.connect(path, create=True).close()
    first, second = spool.connect(path), spool.connect(path)
    statements: list[str] = []
    second.set_trace_callback(statements.append)
    about_to_write, done = threading.Event(), threading.Event()

    def other_writer() -> None:
        about_to_write.set()
        with spool.write(second):
            alarms.raise_alarm(second, "test_second", "the second writer")
        done.set()

    with spool.write(first):
        alarms.raise_alarm(first, "test_first", "the first writer")
        worker = threading.Thread(target=other_writer)
        worker.start()
        assert about_to_write.wait(10)
        time.sleep(0.2)  # time for it to reach SQLite, had it not waited its turn (slower only weakens the check)
        assert not any(s.startswith("BEGIN") for s in statements), statements
        assert not done.is_set()
    worker.join(10)
    assert done.is_set() and any(s.startswith("BEGIN IMMEDIATE") for s in statements)
    kinds = {alarm.kind for alarm in alarms.list_alarms(first, open_only=True)}
    assert {"test_first", "test_second"} <= kinds
    first.close()
    second.close()
