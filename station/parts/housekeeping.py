"""Time-driven work: pickup expiry, reminders, alarms whose condition ended, and retention."""

from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from spool import alarms, cursors, jobs, machine, retention, rfc3339, slots
from spool import db as spool_db
from spool.errors import SlotError
from spool.states import Flow, JobState

from station.backoffice.changes import CONFLICT_ALARM, OLD_PAPER_ALARM, WITHDRAWN_PAPER_ALARM
from station.release import take_out
from station.trust.store import format_time

log = logging.getLogger("station.housekeeping")

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


def delete_old_documents(conn: sqlite3.Connection, now: datetime, keep_days: float) -> int:
    """Delete the PDFs of finished jobs older than `keep_days` (the job keeps its hash)."""
    count = 0
    for job_id, pdf_path in retention.finished_before(conn, format_time(now - timedelta(days=keep_days)),
                                                      "pdf_path"):
        if pdf_path:  # always, by the query: it lists jobs that still hold one
            Path(pdf_path).unlink(missing_ok=True)
        machine.annotate(conn, job_id, "job.document_deleted", actor="system",
                         details={"retention_days": keep_days}, pdf_path=None)
        count += 1
    return count


def clear_personal_data(conn: sqlite3.Connection, now: datetime, keep_days: float) -> int:
    """Clear the stored document data (names, NIK) of jobs finished more than `keep_days` ago."""
    count = 0
    for job_id, _ in retention.finished_before(conn, format_time(now - timedelta(days=keep_days)), "payload"):
        machine.annotate(conn, job_id, "job.personal_data_cleared", actor="system",
                         details={"retention_days": keep_days}, payload=None)
        count += 1
    return count


def compact(conn: sqlite3.Connection, now: datetime, vacuum_days: float) -> bool:
    """After a retention pass: cut the WAL to zero bytes, and rebuild the file when the last rebuild is
    `vacuum_days` old; returns whether it rebuilt. (The spool zeroes what it deletes: `secure_delete`.)"""
    last = _last_vacuum(conn)
    if last is None:  # the first pass starts the schedule (no rebuild at a daemon's first start)
        cursors.LAST_VACUUM.set(conn, now)
    if last is None or now - last < timedelta(days=vacuum_days):
        if not spool_db.truncate_wal(conn):
            log.info("retention: a reader kept the WAL from being cut; the next pass tries again")
        return False
    spool_db.vacuum(conn)
    cursors.LAST_VACUUM.set(conn, now)
    spool_db.truncate_wal(conn)
    log.info("retention: spool file rebuilt (VACUUM)")
    return True


def _last_vacuum(conn: sqlite3.Connection) -> datetime | None:
    try:
        return cursors.LAST_VACUUM.get(conn)
    except cursors.BadCursor:  # unreadable: start the schedule afresh, as for a new spool
        return None


def remind_expired(conn: sqlite3.Connection, now: datetime) -> alarms.Alarm | None:
    """One alarm a day (station's local day) while expired documents wait in slots; cleared once none does."""
    rows = retention.expired_in_slots(conn)
    if not rows:
        alarms.clear(conn, EXPIRED_ALARM, why="every expired document was taken out")
        return None
    raised = _parse(alarms.last_raised_at(conn, EXPIRED_ALARM))
    if raised is not None and raised.astimezone().date() == now.astimezone().date():
        return None
    where = ", ".join(rows[:20]) + (", ..." if len(rows) > 20 else "")
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
        slot = _slot(conn, alarm.slot_id)
        if slot is None or not slot.out_of_service:
            cleared += len(alarms.clear(conn, OLD_PAPER_ALARM, slot=alarm.slot_id,
                                        why="the slot is back in service"))
    for alarm in alarms.open_alarms(conn, WITHDRAWN_PAPER_ALARM):
        slot = _slot(conn, alarm.slot_id)
        if slot is None or slot.occupant != alarm.job_id:
            cleared += len(alarms.clear(conn, WITHDRAWN_PAPER_ALARM, slot=alarm.slot_id,
                                        why="the withdrawn document was taken out"))
    for alarm in alarms.open_alarms(conn, take_out.REPRINT_ALARM):  # (ADR 0321) collected or moved meanwhile
        job = jobs.find_job(conn, alarm.job_id or "")
        if job is None or job.state is not JobState.STAGED or job.slot != alarm.slot_id:
            cleared += len(alarms.clear(conn, take_out.REPRINT_ALARM, job=alarm.job_id,
                                        why="the document left that slot before its reprint"))
    return cleared


def _slot(conn: sqlite3.Connection, sid: str | None) -> slots.Slot | None:
    try:
        return slots.get_slot(conn, sid or "")
    except SlotError:
        return None


def clear_buses_back(conn: sqlite3.Connection, bus_states: dict[str, str]) -> int:
    """Clear `bus_unreachable` alarms of buses online now (a restart does not see the bus come back)."""
    cleared = 0
    for alarm in alarms.open_alarms(conn, "bus_unreachable"):
        name = (alarm.device or "").removeprefix("bus:")
        if bus_states.get(name) == "online":
            cleared += len(alarms.clear(conn, "bus_unreachable", device=alarm.device, why="the bus answers again"))
    return cleared
