"""Spool benchmark: durable transitions per second, and opening a spool of 100,000 jobs.

Prints medians and p99s, and the ratio to the baseline measured in the same
run: one bare durable SQLite commit (WAL, synchronous=FULL) on the same disk
(DESIGN.md quotes 0.15 ms at the median on this kind of machine).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

# Run as `python bench/spool.py`: the repository root replaces bench/ on the
# path, so that `spool` is the package and not this file.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import spool  # noqa: E402
from bench.common import machine, quick, record_samples, run, summary  # noqa: E402
from spool import jobs, machine as job_machine  # noqa: E402
from spool.states import Flow, JobState  # noqa: E402

LIFE = [JobState.RENDERED, JobState.PRINTING, JobState.PRINTED, JobState.STAGED, JobState.RELEASED,
        JobState.COLLECTED]


def bare_commit_baseline(folder: Path, count: int) -> list[float]:
    """One-row durable commits with no spool logic: the floor for a transition."""
    conn = sqlite3.connect(folder / "bare.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    samples = []
    for i in range(count):
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (v) VALUES (?)", (str(i),))
        conn.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    conn.close()
    return samples


def transitions(folder: Path, count: int) -> list[float]:
    """Durable job transitions (state change + audit row, one commit each)."""
    conn = spool.connect(folder / "spool.db", create=True)
    samples = []
    number = 0
    while len(samples) < count:
        number += 1
        job_id = f"DOC-{number}"
        job_machine.create_job(conn, job_id, flow=Flow.LOCKER, template="akta-kelahiran", template_version=3)
        for target in LIFE:
            start = time.perf_counter()
            job_machine.transition(conn, job_id, target, actor="system")
            samples.append(time.perf_counter() - start)
    conn.close()
    return samples[:count]


def big_spool(folder: Path, total: int) -> Path:
    """A spool with `total` jobs (with their audit rows), built in one transaction."""
    path = folder / "big.db"
    conn = spool.connect(path, create=True)
    with spool.write(conn):
        for number in range(total):
            job_machine.create_job(conn, f"KK-{number:07d}", flow=Flow.LOCKER, template="kartu-keluarga",
                                   template_version=1, payload='{"x": "y"}')
    conn.close()
    return path


def open_and_list(path: Path, rounds: int) -> list[float]:
    """Open the spool (migration check included) and list the newest 50 jobs."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        conn = spool.connect(path)
        newest = jobs.list_jobs(conn, limit=50)
        samples.append(time.perf_counter() - start)
        assert len(newest) == 50
        conn.close()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transitions", type=int, default=200 if quick() else 3000)
    parser.add_argument("--jobs", type=int, default=2000 if quick() else 100_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        folder = Path(tmp)
        baseline = bare_commit_baseline(folder, args.transitions)
        moves = transitions(folder, args.transitions)
        total_s = sum(moves)
        print(summary("bare durable commit (baseline)", baseline))
        print(summary("durable job transition", moves, sorted(baseline)[len(baseline) // 2], "bare commit"))
        record_samples("spool: durable job transition", moves, floor_s=sorted(baseline)[len(baseline) // 2],
                       floor_name="bare durable commit")
        print(f"durable transitions per second (one writer): {len(moves) / total_s:.0f}")
        start = time.perf_counter()
        path = big_spool(folder, args.jobs)
        print(f"built a spool of {args.jobs} jobs in {time.perf_counter() - start:.1f} s"
              f" ({path.stat().st_size / 1e6:.1f} MB)")
        print(summary(f"open spool of {args.jobs} jobs + list newest 50", open_and_list(path, 30)))


if __name__ == "__main__":
    run(main)
