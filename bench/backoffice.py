"""Back-office benchmark: intake of a page of documents, and delivering events through the outbox.

Prints medians and p99s, and ratios to floors measured in the same run:
- intake of a page of 50 signed documents (verify each, store all and the
  cursor in one transaction) against its floor: 50 bare Ed25519
  verifications plus one bare durable commit; measured on an empty spool and
  again with 10,000 jobs in it (the cost per document must not grow);
- a job change with its event queued in the same commit (`machine.transition`);
- delivering an event to the simulated back office over HTTP (loopback)
  and marking it sent, against the bare POST to the same server.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as `python bench/backoffice.py`: the repository root on the path.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import httpx  # noqa: E402

import spool  # noqa: E402
from bench.common import machine, quick, record_samples, run, summary  # noqa: E402
from simulators.backoffice import BackOffice, BackOfficeServer  # noqa: E402
from spool import machine as job_machine  # noqa: E402
from spool.states import Flow, JobState  # noqa: E402
from spool import outbox  # noqa: E402
from station.backoffice import document, intake  # noqa: E402
from station.backoffice.client import BackofficeClient  # noqa: E402
from station.trust.store import TrustStore  # noqa: E402

STATION = "MPP-BENCH-01"
BEARER = "bench-token"
PAGE = 50


def floor_page(office: BackOffice, trust: TrustStore, folder: Path, rounds: int) -> list[float]:
    """50 bare signature checks and one bare durable commit: what a page cannot go below."""
    docs = [a.document for a in office.approvals()[:PAGE]]
    parsed = [document.parse(d) for d in docs]
    key = trust.keys[0].public_key
    raw = [(base64.b64decode(d.signature), d.signing_bytes()) for d in parsed]
    conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE t (v TEXT)")
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for signature, message in raw:
            key.verify(signature, message)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t VALUES ('x')")
        conn.execute("COMMIT")
        samples.append(time.perf_counter() - start)
    conn.close()
    return samples


def intake_pages(office: BackOffice, trust: TrustStore, conn: sqlite3.Connection, rounds: int,
                 offset: int) -> list[float]:
    """Take `rounds` pages of 50 fresh documents each."""
    approvals = office.approvals()
    samples = []
    for number in range(rounds):
        items = [a.document for a in approvals[offset + number * PAGE: offset + (number + 1) * PAGE]]
        start = time.perf_counter()
        result = intake.take(conn, items, trust, flow=Flow.LOCKER, cursor=f"c{offset + number}")
        samples.append(time.perf_counter() - start)
        assert len(result.stored) == PAGE, result.summary()
    return samples


def fill(conn: sqlite3.Connection, count: int) -> None:
    """`count` finished jobs, as after a few weeks of service."""
    with spool.write(conn):
        for number in range(count):
            job_machine.create_job(conn, f"OLD-{number:06d}", flow=Flow.LOCKER, template="nib", template_version=1,
                                   payload="{}")


def transition_per_change(conn: sqlite3.Connection, jobs: int) -> list[float]:
    """One job change with its event queued in the same commit (`machine.transition`, `spool.outbox`)."""
    samples = []
    for number in range(jobs):
        job_id = f"COL-{number}"
        job_machine.create_job(conn, job_id, flow=Flow.LOCKER, template="nib", template_version=1)
        for state in (JobState.RENDERED, JobState.PRINTING, JobState.PRINTED):
            start = time.perf_counter()
            job_machine.transition(conn, job_id, state, actor="system")
            samples.append(time.perf_counter() - start)
    return samples


async def deliveries(url: str, conn: sqlite3.Connection, office: BackOffice, count: int) -> tuple[list[float],
                                                                                                   list[float]]:
    """Per event: one POST and its durable mark as sent; and the bare POST alone, as the floor."""
    ids = [a.id for a in office.approvals()[:count]]
    for doc_id in ids:
        outbox.enqueue(conn, doc_id, "printed")
    async with BackofficeClient(url, BEARER, timeout=10) as http:
        sent = []
        while events := outbox.pending(conn, 1):
            start = time.perf_counter()
            reply = await http.post_event(events[0].document_id, events[0].body(STATION))
            outbox.mark_sent(conn, events[0].id)
            sent.append(time.perf_counter() - start)
            assert reply.ok, reply.describe()
    bare = []
    body = {"event": "printed", "at": "2026-03-01T00:00:00Z", "station": STATION, "detail": {}}
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {BEARER}"}) as plain:
        for doc_id in ids:  # the same events again (a repeat is accepted): HTTP alone, no spool
            start = time.perf_counter()
            (await plain.post(f"/api/v1/documents/{doc_id}/events", json=body)).raise_for_status()
            bare.append(time.perf_counter() - start)
    return sent, bare


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=4 if quick() else 40)
    parser.add_argument("--events", type=int, default=40 if quick() else 400)
    parser.add_argument("--background-jobs", type=int, default=500 if quick() else 10_000)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    office = BackOffice(stations={STATION: BEARER}, seed=1, pin_ratio=0.0)
    trust = TrustStore(keys=(office.issuer_entry(),))
    start = time.perf_counter()
    office.approve(PAGE * args.pages * 2)
    print(f"simulator approved {PAGE * args.pages * 2} documents (data, signature, token) in"
          f" {time.perf_counter() - start:.1f} s")
    with tempfile.TemporaryDirectory(dir=Path.cwd()) as tmp:
        folder = Path(tmp)
        floor = floor_page(office, trust, folder, args.pages)
        floor_median = statistics.median(floor)
        print(summary("floor: 50 Ed25519 checks + 1 durable commit", floor))
        conn = spool.connect(folder / "spool.db", create=True)
        empty = intake_pages(office, trust, conn, args.pages, 0)
        print(summary("intake of a page of 50 documents, empty spool", empty, floor_median, "floor"))
        fill(conn, args.background_jobs)
        full = intake_pages(office, trust, conn, args.pages, PAGE * args.pages)
        print(summary(f"intake of a page of 50 documents, {args.background_jobs} more jobs", full, floor_median,
                      "floor"))
        record_samples(f"back office intake of a page of 50 documents, {args.background_jobs:,} jobs", full,
                       floor_s=floor_median, floor_name="50 signature checks + 1 durable commit")
        print(f"cost per document: {statistics.median(empty) / PAGE * 1e3:.3f} ms (empty spool),"
              f" {statistics.median(full) / PAGE * 1e3:.3f} ms (with {args.background_jobs} jobs),"
              f" ratio {statistics.median(full) / statistics.median(empty):.2f}")
        print(summary("job change with its event queued", transition_per_change(conn, args.events // 3)))
        conn.close()
        conn = spool.connect(folder / "events.db", create=True)
        with BackOfficeServer(office) as server:
            sent, bare = asyncio.run(deliveries(server.url, conn, office, args.events))
        bare_median = statistics.median(bare)
        print(summary("bare event POST to the simulator (loopback, no spool)", bare))
        print(summary("event delivered (POST + durable mark sent)", sent, bare_median, "bare POST"))
        conn.close()


if __name__ == "__main__":
    run(main)
