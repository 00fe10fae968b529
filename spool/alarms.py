"""Alarms: things a person must look at (a jammed latch, a door left open, a clock gone back)."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from . import audit
from .db import write
from .errors import SpoolError

SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True)
class Alarm:
    """One alarm, open until acknowledged."""

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

    @property
    def open(self) -> bool:
        return self.acknowledged_at is None

    def as_dict(self) -> dict[str, Any]:
        """The alarm as the API shows it."""
        return {**asdict(self), "open": self.open}


def _alarm(row: sqlite3.Row) -> Alarm:
    return Alarm(row["id"], row["raised_at"], row["kind"], row["severity"], row["message"], row["job_id"],
                 row["slot_id"], row["device"], row["acknowledged_at"], row["acknowledged_by"])


def raise_alarm(conn: sqlite3.Connection, kind: str, message: str, *, severity: str = "warning",
                job: str | None = None, slot: str | None = None, device: str | None = None,
                actor: str = "system") -> Alarm:
    """Record an alarm (audited). An identical open alarm is not raised twice."""
    if severity not in SEVERITIES:
        raise SpoolError(f"alarm severity must be one of {', '.join(SEVERITIES)}")
    with write(conn):
        same = conn.execute(
            "SELECT * FROM alarms WHERE acknowledged_at IS NULL AND kind = ? AND job_id IS ?"
            " AND slot_id IS ? AND device IS ?", (kind, job, slot, device)).fetchone()
        if same is not None:
            return _alarm(same)
        entry = audit.append(conn, actor, "alarm.raised", job=job, slot=slot,
                             details={"kind": kind, "severity": severity, "device": device})
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
    sql = "SELECT * FROM alarms" + (" WHERE acknowledged_at IS NULL" if open_only else "")
    return [_alarm(r) for r in conn.execute(sql + " ORDER BY id DESC LIMIT ?", (limit,))]


def acknowledge(conn: sqlite3.Connection, alarm_id: int, *, actor: str) -> Alarm:
    """Mark an alarm as seen by a person (audited with who)."""
    with write(conn):
        alarm = get_alarm(conn, alarm_id)
        if not alarm.open:
            raise SpoolError(f"alarm {alarm_id} was already acknowledged by {alarm.acknowledged_by}")
        entry = audit.append(conn, actor, "alarm.acknowledged", job=alarm.job_id, slot=alarm.slot_id,
                             details={"alarm": alarm_id, "kind": alarm.kind})
        conn.execute("UPDATE alarms SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
                     (entry.at, actor, alarm_id))
    return get_alarm(conn, alarm_id)
