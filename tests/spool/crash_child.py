"""Applies random legal transitions to a spool forever (the crash test kills it)."""

from __future__ import annotations

import random
import sys

import spool
from spool import jobs, machine
from spool.rules import allowed
from spool.states import Flow, JobState


def main(path: str, seed: int) -> None:
    rng = random.Random(seed)
    conn = spool.connect(path, create=True)
    print("ready", flush=True)
    number = conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0]
    while True:
        live = [j for j in jobs.list_jobs(conn, limit=20) if allowed(j.flow, j.state)]
        if len(live) < 5:
            number += 1
            flow = rng.choice(list(Flow))
            machine.create_job(conn, f"DOC-{seed}-{number}", flow=flow, template="kartu-keluarga",
                               template_version=1)
            continue
        job = rng.choice(live)
        target = rng.choice(sorted(allowed(job.flow, job.state)))
        machine.transition(conn, job.id, target, actor="system",
                           reason="media-jam" if target is JobState.HELD else None,
                           print_attempts=job.print_attempts + 1)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
