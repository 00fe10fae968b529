"""(issue 22) Paper nobody counted becomes a staff task.

A locker's print attempt cut off by a crash, of which the printer keeps no
record, is written off (`not-at-printer`) and printed again. The first
attempt may have printed all the same (a printer that lost power with the
station forgets its jobs): a sheet with personal data may lie in the output
tray. Nothing can count it, so a person must: the station raises an
`extra_copy` task naming the job (never its data), and staff confirm what
they found, "one copy found and destroyed" or "none", audited on the job.
(A dispenser's bin sensor sees such a sheet itself: no task there.)
"""

from __future__ import annotations

import sqlite3

import spool
from spool import alarms, machine
from spool.jobs import get_job

from station.errors import StationError

EXTRA_COPY = "extra_copy"


def ask(conn: sqlite3.Connection, job_id: str, attempt: int) -> alarms.Alarm:
    """Raise the task for one written-off attempt (one task per attempt: each may have left a sheet)."""
    return alarms.raise_alarm(
        conn, EXTRA_COPY, f"check the printer's output tray for an extra copy of document {job_id}: print"
        f" attempt {attempt} was cut off and printed again. Destroy a copy you find, then confirm"
        " 'one copy found and destroyed' or 'none'.", job=job_id, repeat=True, details={"attempt": attempt})


def open_checks(conn: sqlite3.Connection, job_id: str) -> list[alarms.Alarm]:
    """The job's tray checks nobody has confirmed yet, oldest first."""
    return sorted(alarms.open_alarms(conn, EXTRA_COPY, job=job_id), key=lambda a: a.id)


def confirm(conn: sqlite3.Connection, job_id: str, *, found: bool, actor: str) -> alarms.Alarm:
    """Staff looked in the tray: one copy found and destroyed (`found`), or none. Closes the oldest open check."""
    get_job(conn, job_id)
    with spool.write(conn):
        pending = open_checks(conn, job_id)
        if not pending:
            raise StationError(f"job {job_id} has no tray check waiting", http_status=409)
        check = pending[0]
        machine.annotate(conn, job_id, "print.extra_copy_destroyed" if found else "print.extra_copy_none",
                         actor=actor, details={"alarm": check.id})
        return alarms.acknowledge(conn, check.id, actor=actor)
