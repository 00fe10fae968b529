"""Time-driven work: pickup expiry, reminders, alarms whose condition ended, and retention."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from spool import alarms, jobs, machine, rfc3339
from spool import db as spool_db
from spool.states import Flow, JobState

from station.backoffice.changes import CONFLICT_ALARM, OLD_PAPER_ALARM, WITHDRAWN_PAPER_ALARM
from station.trust.store import format_time

log = logging.getLogger("station.housekeeping")

FINISHED = (JobState.COLLECTED, JobState.RETURNED, JobState.CANCELLED, JobState.RETAINED)
EXPIRED_ALARM = "documents_expired_in_slots"


def _parse(text: str | None) -> datetime | None:
    return rfc3339.parse_or_none(text)


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


VACUUM_KEY = "last_vacuum"


def compact(conn: sqlite3.Connection, now: datetime, vacuum_days: float) -> bool:
    """After a retention pass: cut the WAL to zero bytes, and rebuild the file when the last rebuild is
    `vacuum_days` old; returns whether it rebuilt. (The spool zeroes what it deletes: `secure_delete`.)"""
    last = _parse(spool_db.station_value(conn, VACUUM_KEY))
    if last is None:  # the first pass starts the schedule (no rebuild at a daemon's first start)
        spool_db.set_station_value(conn, VACUUM_KEY, format_time(now))
    if last is None or now - last < timedelta(days=vacuum_days):
        if not spool_db.truncate_wal(conn):
            log.info("retention: a reader kept the WAL from being cut; the next pass tries again")
        return False
    spool_db.vacuum(conn)
    spool_db.set_station_value(conn, VACUUM_KEY, format_time(now))
    spool_db.truncate_wal(conn)
    log.info("retention: spool file rebuilt (VACUUM)")
    return True


def remind_expired(conn: sqlite3.Connection, now: datetime) -> alarms.Alarm | None:
    """One alarm a day (station's local day) while expired documents wait in slots; cleared once none does."""
    rows = conn.execute("SELECT slots.id AS slot FROM jobs JOIN slots ON slots.occupant = jobs.id"
                        " WHERE jobs.state = 'expired' ORDER BY slots.id").fetchall()
    if not rows:
        alarms.clear(conn, EXPIRED_ALARM, why="every expired document was taken out")
        return None
    last = conn.execute("SELECT raised_at FROM alarms WHERE kind = ? ORDER BY id DESC LIMIT 1",
                        (EXPIRED_ALARM,)).fetchone()
    raised = _parse(last["raised_at"]) if last is not None else None
    if raised is not None and raised.astimezone().date() == now.astimezone().date():
        return None
    where = ", ".join(row["slot"] for row in rows[:20]) + (", ..." if len(rows) > 20 else "")
    return alarms.raise_alarm(conn, EXPIRED_ALARM, f"{len(rows)} expired document(s) wait in slots {where}:"
                              " take them back to the office (station slots collect-expired)",
                              repeat=True, details={"documents": len(rows)})


def clear_ended(conn: sqlite3.Connection) -> int:
    """Clear the alarms about documents and slots whose condition has ended; returns how many."""
    cleared = 0
    for alarm in alarms.open_alarms(conn, CONFLICT_ALARM):
        job = jobs.find_job(conn, alarm.job_id or "")
        if job is None or job.state is not JobState.HELD or job.held_reason != "conflict":
            cleared += len(alarms.clear(conn, CONFLICT_ALARM, job=alarm.job_id, why="the conflict was resolved"))
    for alarm in alarms.open_alarms(conn, OLD_PAPER_ALARM):
        row = conn.execute("SELECT out_of_service FROM slots WHERE id = ?", (alarm.slot_id,)).fetchone()
        if row is None or not row["out_of_service"]:
            cleared += len(alarms.clear(conn, OLD_PAPER_ALARM, slot=alarm.slot_id,
                                        why="the slot is back in service"))
    for alarm in alarms.open_alarms(conn, WITHDRAWN_PAPER_ALARM):
        row = conn.execute("SELECT occupant FROM slots WHERE id = ?", (alarm.slot_id,)).fetchone()
        if row is None or row["occupant"] != alarm.job_id:
            cleared += len(alarms.clear(conn, WITHDRAWN_PAPER_ALARM, slot=alarm.slot_id,
                                        why="the withdrawn document was taken out"))
    return cleared


def clear_buses_back(conn: sqlite3.Connection, bus_states: dict[str, str]) -> int:
    """Clear `bus_unreachable` alarms of buses online now (a restart does not see the bus come back)."""
    cleared = 0
    for alarm in alarms.open_alarms(conn, "bus_unreachable"):
        name = (alarm.device or "").removeprefix("bus:")
        if bus_states.get(name) == "online":
            cleared += len(alarms.clear(conn, "bus_unreachable", device=alarm.device, why="the bus answers again"))
    return cleared
