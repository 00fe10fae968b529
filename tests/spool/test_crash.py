"""Crash test: SIGKILL a process in the middle of transitions, again and again."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import spool
from spool import audit, jobs
from spool.rules import reachable
from spool.states import JobState

CHILD = Path(__file__).with_name("crash_child.py")
KILLS = 50


def _check_spool(path: Path) -> int:
    """Everything that must hold after a crash; returns the number of jobs."""
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    raw.close()
    conn = spool.connect(path)
    verdict = audit.verify(conn)
    assert verdict.ok, verdict.reason
    # Each job's state is the one its newest audit entry moved it to: the
    # state and the audit row were committed together or not at all.
    last_move: dict[str, str] = {}
    for entry in audit.entries(conn):
        if entry.job and "to" in entry.details:
            last_move[entry.job] = entry.details["to"]
        elif entry.action == "job.received":
            last_move[entry.job] = JobState.RECEIVED.value
    all_jobs = jobs.list_jobs(conn, limit=1_000_000)
    for job in all_jobs:
        assert job.state in reachable(job.flow)
        assert (job.held_reason is not None) == (job.state is JobState.HELD)
        assert last_move[job.id] == job.state.value, (job.id, last_move[job.id], job.state)
    assert set(last_move) == {job.id for job in all_jobs}
    conn.close()
    return len(all_jobs)


def test_sigkill_during_transitions_leaves_a_consistent_spool(tmp_path: Path) -> None:
    db = tmp_path / "spool.db"
    rng = random.Random(20261128)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    progress = []
    for kill in range(KILLS):
        child = subprocess.Popen([sys.executable, str(CHILD), str(db), str(kill)],
                                 stdout=subprocess.PIPE, env=env)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.01, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert child.returncode == -signal.SIGKILL
        progress.append(_check_spool(db))
    # The loop really ran between kills: jobs accumulated and moved.
    assert progress[-1] > progress[0]
    conn = spool.connect(db)
    assert audit.head(conn)[0] > KILLS * 5
    print(json.dumps({"kills": KILLS, "jobs": progress[-1], "audit_rows": audit.head(conn)[0]}))
