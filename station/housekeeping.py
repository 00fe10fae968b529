"""Time-driven work: pickup expiry, and retention of documents and personal data."""

from __future__ import annotations

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from spool import jobs, machine
from spool.states import Flow, JobState

from .trust import format_time

log = logging.getLogger("station.housekeeping")

FINISHED = (JobState.COLLECTED, JobState.RETURNED, JobState.CANCELLED, JobState.RETAINED)


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def expire_due(conn: sqlite3.Connection, now: datetime) -> list[str]:
    """Move jobs whose pickup window has passed to `expired`; returns their ids."""
    expired = []
    candidates = [j for j in jobs.jobs_in(conn, JobState.STAGED, limit=100_000)]
    candidates += [j for j in jobs.jobs_in(conn, JobState.RENDERED, limit=100_000) if j.flow is Flow.DISPENSER]
    for job in candidates:
        deadline = _parse(job.pickup_expires)
        if deadline is not None and deadline <= now:
            machine.transition(conn, job.id, JobState.EXPIRED, actor="system",
                               details={"pickup_expires": job.pickup_expires})
            expired.append(job.id)
    return expired


def _finished_before(conn: sqlite3.Connection, cutoff: datetime, extra: str) -> list[sqlite3.Row]:
    states = ", ".join(f"'{s.value}'" for s in FINISHED)
    return conn.execute(f"SELECT id, pdf_path FROM jobs WHERE state IN ({states}) AND updated_at < ? AND {extra}",
                        (format_time(cutoff),)).fetchall()


def delete_old_documents(conn: sqlite3.Connection, now: datetime, keep_days: float) -> int:
    """Delete the PDFs of finished jobs older than `keep_days` (the job keeps its hash)."""
    count = 0
    for row in _finished_before(conn, now - timedelta(days=keep_days), "pdf_path IS NOT NULL"):
        Path(row["pdf_path"]).unlink(missing_ok=True)
        machine.annotate(conn, row["id"], "job.document_deleted", actor="system",
                         details={"retention_days": keep_days}, pdf_path=None)
        count += 1
    return count


def clear_personal_data(conn: sqlite3.Connection, now: datetime, keep_days: float) -> int:
    """Clear the stored document data (names, NIK) of jobs finished more than `keep_days` ago."""
    count = 0
    for row in _finished_before(conn, now - timedelta(days=keep_days), "payload IS NOT NULL"):
        machine.annotate(conn, row["id"], "job.personal_data_cleared", actor="system",
                         details={"retention_days": keep_days}, payload=None)
        count += 1
    return count
