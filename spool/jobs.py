"""Reading jobs from the spool (writes go through `spool.machine`)."""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

from .errors import UnknownJob
from .states import Flow, JobState

_SELECT = ("SELECT jobs.*, jobs.rowid AS seq, slots.id AS slot FROM jobs"
           " LEFT JOIN slots ON slots.occupant = jobs.id")


@dataclass(frozen=True)
class Job:
    """A document's record at the station."""

    id: str
    seq: int
    flow: Flow
    state: JobState
    held_reason: str | None
    held_from: str | None
    template: str
    template_version: int
    size: str
    pickup_expires: str | None
    pdf_path: str | None
    pdf_sha256: str | None
    pages: int | None
    printer_job_id: int | None
    print_attempts: int
    slot: str | None
    created_at: str
    updated_at: str
    pin_failures: int = 0
    reopens: int = 0
    kind: str = "template"
    payload: str | None = None
    cancelled_by: str | None = None  # (issue 24) "office" or "operator", once cancelled

    def summary(self) -> dict[str, Any]:
        """The job without its payload (which holds personal data)."""
        data = asdict(self)
        data.pop("payload")
        data["flow"] = self.flow.value
        data["state"] = self.state.value
        return data


def _job(row: sqlite3.Row) -> Job:
    return Job(
        id=row["id"], seq=row["seq"], flow=Flow(row["flow"]), state=JobState(row["state"]),
        held_reason=row["held_reason"], held_from=row["held_from"], template=row["template"],
        template_version=row["template_version"], size=row["size"],
        pickup_expires=row["pickup_expires"], pdf_path=row["pdf_path"],
        pdf_sha256=row["pdf_sha256"], pages=row["pages"], printer_job_id=row["printer_job_id"],
        print_attempts=row["print_attempts"], slot=row["slot"], created_at=row["created_at"],
        updated_at=row["updated_at"], pin_failures=row["pin_failures"], reopens=row["reopens"],
        kind=row["kind"], payload=row["payload"], cancelled_by=row["cancelled_by"])


def get_job(conn: sqlite3.Connection, job_id: str) -> Job:
    """The job with this id, or `UnknownJob`."""
    row = conn.execute(_SELECT + " WHERE jobs.id = ?", (job_id,)).fetchone()
    if row is None:
        raise UnknownJob(job_id)
    return _job(row)


def find_job(conn: sqlite3.Connection, job_id: str) -> Job | None:
    """The job with this id, or None."""
    try:
        return get_job(conn, job_id)
    except UnknownJob:
        return None


def by_pickup_ref(conn: sqlite3.Connection, ref: str, limit: int = 3) -> list[Job]:
    """Jobs whose document carries this §4.1 `pickup_ref`: open ones first, then the newest (issue 24).

    The back office keeps a reference unique among a station's open documents;
    a finished one may share it, and is listed after (its code may still be typed).
    """
    rows = conn.execute(_SELECT + " WHERE json_valid(jobs.payload) AND json_extract(jobs.payload, '$.pickup_ref') = ?"
                        " ORDER BY jobs.state IN ('collected', 'returned', 'cancelled', 'retained', 'expired'),"
                        " jobs.rowid DESC LIMIT ?", (ref, limit))
    return [_job(row) for row in rows]


def pages_ahead(conn: sqlite3.Connection, job: Job) -> tuple[int, int]:
    """(issue 24) Documents of the job's flow not yet printed, up to and with it: (how many, their pages).

    A document not rendered yet counts as one page (its page count is known once rendered).
    """
    row = conn.execute("SELECT COUNT(*), COALESCE(SUM(COALESCE(pages, 1)), 0) FROM jobs WHERE flow = ?"
                       " AND state IN ('received', 'rendered', 'printing') AND rowid <= ?",
                       (job.flow.value, job.seq)).fetchone()
    return int(row[0]), int(row[1])


def page_filter(states: list[str] | None, template: str | None, before_seq: int | None) -> tuple[str, list[Any]]:
    """The `WHERE` clause (or nothing) and its parameters of a page of jobs: state values, template, before."""
    where: list[str] = []
    params: list[Any] = []
    if states:
        where.append(f"jobs.state IN ({', '.join('?' for _ in states)})")
        params.extend(states)
    if template:
        where.append("jobs.template = ?")
        params.append(template)
    if before_seq is not None:
        where.append("jobs.rowid < ?")
        params.append(before_seq)
    return (" WHERE " + " AND ".join(where) if where else ""), params


def list_jobs(conn: sqlite3.Connection, *, states: list[JobState] | None = None,
              limit: int = 50, before_seq: int | None = None, template: str | None = None) -> list[Job]:
    """Jobs newest first, optionally only in `states`, paged by `before_seq`."""
    values = [JobState(s).value for s in states] if states else None
    where, params = page_filter(values, template, before_seq)
    sql = _SELECT + where + " ORDER BY jobs.rowid DESC LIMIT ?"
    return [_job(row) for row in conn.execute(sql, (*params, limit))]


def jobs_in(conn: sqlite3.Connection, state: JobState, limit: int = 1000) -> list[Job]:
    """Jobs in one state, oldest first (the order workers take them)."""
    rows = conn.execute(_SELECT + " WHERE jobs.state = ? ORDER BY jobs.rowid LIMIT ?",
                        (JobState(state).value, limit))
    return [_job(row) for row in rows]


def count_by_state(conn: sqlite3.Connection) -> dict[str, int]:
    """How many jobs are in each state (every state present, zero included)."""
    counts = {state.value: 0 for state in JobState}
    for row in conn.execute("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state"):
        counts[row["state"]] = row["n"]
    return counts


def oldest(conn: sqlite3.Connection, state: JobState, flow: Flow, limit: int) -> list[Job]:
    """The oldest jobs of one flow in one state (the order they are worked on)."""
    rows = conn.execute(_SELECT + " WHERE jobs.state = ? AND jobs.flow = ? ORDER BY jobs.rowid LIMIT ?",
                        (JobState(state).value, Flow(flow).value, limit))
    return [_job(row) for row in rows]


def printed_ahead(conn: sqlite3.Connection) -> int:
    """Locker documents at the printer or printed and not in a slot yet (loose paper)."""
    row = conn.execute("SELECT COUNT(*) FROM jobs LEFT JOIN slots ON slots.occupant = jobs.id"
                       " WHERE jobs.flow = 'locker' AND (jobs.state = 'printing'"
                       " OR (jobs.state = 'printed' AND slots.id IS NULL))").fetchone()
    return int(row[0])
