"""Alarms: things a person must look at (a jammed latch, a door left open, a clock gone back).

An alarm has a life. It is raised (audited); then either the station clears
it when the condition behind it ends (a printer ready again, a bus back, a
slot free, disk space back: audited as `alarm.cleared`, with a recovery log
line), or a person acknowledges it (audited with who). Either way it is no
longer open; the operations page and `/metrics` count open alarms only.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from . import audit
from .db import write
from .errors import SpoolError

log = logging.getLogger("spool.alarms")

SEVERITIES = ("info", "warning", "critical")
# The SQL condition of an open alarm (neither cleared by the station nor acknowledged).
OPEN = "acknowledged_at IS NULL AND cleared_at IS NULL"


@dataclass(frozen=True)
class Alarm:
    """One alarm, open until the station clears it or a person acknowledges it."""

    id: int
    raised_at: str
    kind: str
    severity: str
    message: str
    job_id: str | None
    slot_id: str | None
    device: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None
    cleared_at: str | None = None
    cleared_by: str | None = None

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None and self.cleared_at is None

    def as_dict(self) -> dict[str, Any]:
        """The alarm as the API shows it."""
        return {**asdict(self), "open": self.open}


def _alarm(row: sqlite3.Row) -> Alarm:
    return Alarm(row["id"], row["raised_at"], row["kind"], row["severity"], row["message"], row["job_id"],
                 row["slot_id"], row["device"], row["acknowledged_at"], row["acknowledged_by"],
                 row["cleared_at"], row["cleared_by"])


def raise_alarm(conn: sqlite3.Connection, kind: str, message: str, *, severity: str = "warning",
                job: str | None = None, slot: str | None = None, device: str | None = None,
                actor: str = "system", repeat: bool = False,
                details: dict[str, Any] | None = None) -> Alarm:
    """Record an alarm (audited). An identical open alarm is not raised twice, unless `repeat`.

    `details` are added to the audit entry (never text from a document).
    """
    if severity not in SEVERITIES:
        raise SpoolError(f"alarm severity must be one of {', '.join(SEVERITIES)}")
    with write(conn):
        same = None if repeat else conn.execute(
            f"SELECT * FROM alarms WHERE {OPEN} AND kind = ? AND job_id IS ?"
            " AND slot_id IS ? AND device IS ?", (kind, job, slot, device)).fetchone()
        if same is not None:
            return _alarm(same)
        entry = audit.append(conn, actor, "alarm.raised", job=job, slot=slot,
                             details={"kind": kind, "severity": severity, "device": device, **(details or {})})
        cur = conn.execute(
            "INSERT INTO alarms (raised_at, kind, severity, message, job_id, slot_id, device)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", (entry.at, kind, severity, message, job, slot, device))
        return get_alarm(conn, cur.lastrowid)


def get_alarm(conn: sqlite3.Connection, alarm_id: int) -> Alarm:
    """One alarm by id."""
    row = conn.execute("SELECT * FROM alarms WHERE id = ?", (alarm_id,)).fetchone()
    if row is None:
        raise SpoolError(f"no alarm {alarm_id}")
    return _alarm(row)


def list_alarms(conn: sqlite3.Connection, *, open_only: bool = False, limit: int = 200) -> list[Alarm]:
    """Alarms, newest first."""
    sql = "SELECT * FROM alarms" + (f" WHERE {OPEN}" if open_only else "")
    return [_alarm(r) for r in conn.execute(sql + " ORDER BY id DESC LIMIT ?", (limit,))]


def open_alarms(conn: sqlite3.Connection, kind: str, *, job: str | None = None, slot: str | None = None,
                device: str | None = None) -> list[Alarm]:
    """Open alarms of one kind; `job`, `slot`, `device` narrow them down when given."""
    sql = f"SELECT * FROM alarms WHERE {OPEN} AND kind = ?"
    params: list[Any] = [kind]
    for column, value in (("job_id", job), ("slot_id", slot), ("device", device)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    return [_alarm(r) for r in conn.execute(sql + " ORDER BY id", params)]


def open_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Open alarms by severity (every severity present, zero when none)."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for row in conn.execute(f"SELECT severity, COUNT(*) AS n FROM alarms WHERE {OPEN} GROUP BY severity"):
        counts[row["severity"]] = row["n"]
    return counts


def clear(conn: sqlite3.Connection, kind: str, *, job: str | None = None, slot: str | None = None,
          device: str | None = None, actor: str = "system", why: str = "condition ended") -> list[Alarm]:
    """The condition behind these alarms ended: clear the open ones (audited, one recovery log line each).

    Cheap when nothing is open (one indexed read, no write), so condition
    checks may call it on every round.
    """
    found = open_alarms(conn, kind, job=job, slot=slot, device=device)
    if not found:
        return []
    cleared = []
    with write(conn):
        for alarm in found:
            entry = audit.append(conn, actor, "alarm.cleared", job=alarm.job_id, slot=alarm.slot_id,
                                 details={"alarm": alarm.id, "kind": alarm.kind, "why": why[:120]})
            done = conn.execute(f"UPDATE alarms SET cleared_at = ?, cleared_by = ? WHERE id = ? AND {OPEN}",
                                (entry.at, actor, alarm.id))
            if done.rowcount:
                cleared.append(alarm.id)
    for alarm in found:
        if alarm.id in cleared:
            log.info("recovered: %s cleared (%s)", alarm.kind, why,
                     extra={"fields": {"alarm": alarm.id, "kind": alarm.kind, "slot": alarm.slot_id,
                                       "device": alarm.device, "job": alarm.job_id}})
    return [get_alarm(conn, alarm_id) for alarm_id in cleared]


def acknowledge(conn: sqlite3.Connection, alarm_id: int, *, actor: str) -> Alarm:
    """Mark an alarm as seen by a person (audited with who)."""
    with write(conn):
        alarm = get_alarm(conn, alarm_id)
        if alarm.cleared_at is not None:
            raise SpoolError(f"alarm {alarm_id} was already cleared by the station ({alarm.cleared_at})")
        if not alarm.open:
            raise SpoolError(f"alarm {alarm_id} was already acknowledged by {alarm.acknowledged_by}")
        entry = audit.append(conn, actor, "alarm.acknowledged", job=alarm.job_id, slot=alarm.slot_id,
                             details={"alarm": alarm_id, "kind": alarm.kind})
        conn.execute("UPDATE alarms SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
                     (entry.at, actor, alarm_id))
    return get_alarm(conn, alarm_id)


def last_raised_at(conn: sqlite3.Connection, kind: str) -> str | None:
    """When the newest alarm of this kind was raised (open or not), None when never."""
    row = conn.execute("SELECT raised_at FROM alarms WHERE kind = ? ORDER BY id DESC LIMIT 1", (kind,)).fetchone()
    return None if row is None else row["raised_at"]
