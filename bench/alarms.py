"""Alarm condition checks: what a clear costs when nothing is open, and a raise-then-clear cycle.

The print stage and the loader call `alarms.clear` on every round (the
condition may have ended, also after a restart), so its cost when nothing is
open is paid all the time; it must stay a read. Prints medians and p99s,
and the ratio to the baselines measured in the same run: an indexed
one-row read (`SELECT 1 FROM jobs WHERE id = ?`) for the no-op clear, and
one bare durable commit for the raise-then-clear cycle. The spool holds
`--history` closed alarms, as after months of service.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

# Run as `python bench/alarms.py`: the repository root replaces bench/ on the path.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import spool  # noqa: E402
from bench.common import machine, quick, record_samples, run, summary  # noqa: E402
from bench.spool import bare_commit_baseline  # noqa: E402
from bench.tokens import timed  # noqa: E402
from spool import alarms  # noqa: E402
from spool import machine as job_machine  # noqa: E402
from spool.states import Flow  # noqa: E402


def history(conn: sqlite3.Connection, count: int) -> None:
    """`count` alarms raised and cleared, in one transaction."""
    with spool.write(conn):
        for number in range(count):
            alarms.raise_alarm(conn, "printer.blocked", "printer sim: media-empty", device="printer")
            alarms.clear(conn, "printer.blocked", device="printer")
            if number % 50 == 0:
                alarms.raise_alarm(conn, "slot_not_empty", f"slot A-1-{number % 16 + 1:02d}", repeat=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300 if quick() else 5000)
    parser.add_argument("--cycles", type=int, default=50 if quick() else 1000)
    parser.add_argument("--history", type=int, default=1000 if quick() else 20_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        folder = Path(tmp)
        conn = spool.connect(folder / "spool.db", create=True)
        job_machine.create_job(conn, "DOC-1", flow=Flow.LOCKER, template="nib", template_version=1)
        history(conn, args.history)
        read = timed(lambda: conn.execute("SELECT 1 FROM jobs WHERE id = ?", ("DOC-1",)).fetchone(), args.rounds)
        noop = timed(lambda: alarms.clear(conn, "printer.blocked", device="printer"), args.rounds)

        def cycle() -> None:
            alarms.raise_alarm(conn, "printer.blocked", "printer sim: media-empty", device="printer")
            alarms.clear(conn, "printer.blocked", device="printer")

        cycles = timed(cycle, args.cycles)
        bare = bare_commit_baseline(folder, args.cycles)
        conn.close()
    print(summary("indexed one-row read (baseline)", read))
    print(summary(f"alarms.clear, nothing open ({args.history} closed alarms)", noop,
                  statistics.median(read), "indexed read"))
    print(summary("bare durable commit (baseline)", bare))
    print(summary("raise then clear (two durable commits)", cycles, statistics.median(bare), "bare commit"))
    record_samples("alarm raised then cleared (two durable commits)", cycles, floor_s=statistics.median(bare),
                   floor_name="bare durable commit")


if __name__ == "__main__":
    run(main)
