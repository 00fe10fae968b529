"""A spool written by the old outbox (events found by reading the audit chain) upgrades and loses nothing.

Before schema 7 a collector read the audit chain after the fact and queued
what it found, keeping its place under the `backoffice.audit_seq` cursor.
After the upgrade the rows it queued and never sent are still sent, what it
had not yet read is queued as it would have queued it, and a corrected job
goes on reporting under its revision.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from backoffice_support import STATION, client, quick_backoff, run

import spool
from spool import audit, machine
from spool.db import _statements
from spool.schema import MIGRATIONS
from spool.states import JobState
from station.backoffice.outbox import Sender


def _old_spool(path: Path, first: str, second: str) -> None:
    """A schema-6 spool as the old code left it: some events queued (one sent), the chain read up to seq 4."""
    raw = sqlite3.connect(path, isolation_level=None)
    raw.row_factory = sqlite3.Row
    for migration in MIGRATIONS[:6]:
        for statement in _statements(migration):
            raw.execute(statement)
    raw.execute("PRAGMA user_version = 6")

    def job(job_id: str) -> None:
        raw.execute("INSERT INTO jobs (id, flow, state, template, template_version, created_at, updated_at)"
                    " VALUES (?, 'locker', 'received', 'nib', 1, 'x', 'x')", (job_id,))

    def entry(job_id: str, actor: str, action: str, details: dict[str, Any]) -> audit.Entry:
        raw.execute("BEGIN")
        made = audit.append(raw, actor, action, job=job_id, details=details)
        raw.execute("COMMIT")
        return made

    def queued(job_id: str, event: str, made: audit.Entry, detail: dict[str, Any], key: str = "",
               sent: bool = False) -> None:
        raw.execute("INSERT INTO outbox (document_id, event, key, at, detail, sent_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (job_id, event, key, made.at, json.dumps(detail), made.at if sent else None))

    def moved(job_id: str, source: str, target: str, actor: str = "system", **more: Any) -> audit.Entry:
        return entry(job_id, actor, f"job.{target}", {"from": source, "to": target, **more})

    job(first)
    queued(first, "received", entry(first, "system", "job.received", {"template": "nib"}), {})  # by the intake
    moved(first, "received", "rendered")
    moved(first, "rendered", "printing")
    printed = moved(first, "printing", "printed")
    queued(first, "printed", printed, {"audit_seq": printed.seq})  # collected, not yet sent
    raw.execute("INSERT INTO station (key, value) VALUES ('backoffice.audit_seq', ?)", (str(printed.seq),))
    # Not yet read by the collector: a correction (its `received` queued by the intake), a reprint, a cancel.
    corrected = entry(first, "system", "job.corrected", {"from": "printed", "to": "received", "revision": 1,
                                                         "from_revision": 0})
    queued(first, "received", corrected, {"revision": 1}, key="r1")
    moved(first, "received", "rendered")
    moved(first, "rendered", "printing")
    moved(first, "printing", "printed")
    raw.execute("UPDATE jobs SET state = 'printed' WHERE id = ?", (first,))
    job(second)
    queued(second, "received", entry(second, "system", "job.received", {"template": "nib"}), {}, sent=True)
    moved(second, "received", "cancelled", actor="operator:ani", reason="other")
    raw.execute("UPDATE jobs SET state = 'cancelled' WHERE id = ?", (second,))
    raw.close()


def test_an_old_spool_keeps_its_pending_events_and_the_unread_chain(tmp_path: Path, server: Any,
                                                                     office: Any) -> None:
    first, second = (a.id for a in office.approve(2))
    path = tmp_path / "old.db"
    _old_spool(path, first, second)
    conn = spool.connect(path)
    rows = [(r["document_id"], r["event"], r["key"], json.loads(r["detail"]))
            for r in conn.execute("SELECT * FROM outbox WHERE sent_at IS NULL ORDER BY id")]
    assert rows == [(first, "received", "", {}), (first, "printed", "", {"audit_seq": 4}),
                    (first, "received", "r1", {"revision": 1}),
                    (first, "printed", "r1", {"audit_seq": 8, "revision": 1}),
                    (second, "cancelled", "", {"audit_seq": 10, "reason": "other", "by": "operator"})]
    assert conn.execute("SELECT 1 FROM station WHERE key = 'backoffice.audit_seq'").fetchone() is None
    # The corrected job goes on reporting under its revision.
    machine.transition(conn, first, JobState.HELD, actor="system", reason="printer_jam")
    held = conn.execute("SELECT key, detail FROM outbox WHERE event = 'held'").fetchone()
    assert held["key"] == "r1" and json.loads(held["detail"])["revision"] == 1

    async def send() -> None:
        async with client(server.url) as http:
            await Sender(conn, http, station=STATION, backoff=quick_backoff()).send_pending()

    run(send())
    assert [(e["document_id"], e["event"]) for e in office.events()] == \
        [(first, "received"), (first, "printed"), (first, "received"), (first, "printed"), (second, "cancelled"),
         (first, "held")]
    assert conn.execute("SELECT COUNT(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0] == 0
    assert audit.verify(conn).ok
