"""How jobs are shown by the API."""

from __future__ import annotations

import dataclasses
import sqlite3
from typing import Any

from spool.jobs import Job

_SUMMARY_FIELDS = tuple(f.name for f in dataclasses.fields(Job) if f.name != "payload")


def job_summary(job: Job) -> dict[str, Any]:
    """`Job.summary()` (the job without its payload), built without `asdict`'s deep copies.

    The job list serialises 50 of these per request: `asdict` made up most of
    the time a page took.
    """
    data = {name: getattr(job, name) for name in _SUMMARY_FIELDS}
    data["flow"] = job.flow.value
    data["state"] = job.state.value
    return data


# The job list is the API's busiest route (dashboards poll it). Its page is
# built as JSON by SQLite itself, one object per job, the same fields as
# `job_summary` (a test holds them equal): no Python object per job.
_COLUMN = {"seq": "jobs.rowid", "slot": "slots.id"}
_JOB_JSON = "json_object(" + ", ".join(f"'{name}', {_COLUMN.get(name, 'jobs.' + name)}"
                                      for name in _SUMMARY_FIELDS) + ")"
_PAGE_SQL = (f"SELECT {_JOB_JSON}, jobs.rowid FROM jobs LEFT JOIN slots ON slots.occupant = jobs.id"
             " {where} ORDER BY jobs.rowid DESC LIMIT ?")


def job_page_json(conn: sqlite3.Connection, *, states: list[str] | None = None, template: str | None = None,
                  limit: int = 50, before: int | None = None) -> bytes:
    """A page of jobs, newest first, as the JSON body of `GET /api/v1/jobs` (`{"jobs", "next_before"}`)."""
    where: list[str] = []
    params: list[Any] = []
    if states:
        where.append(f"jobs.state IN ({', '.join('?' for _ in states)})")
        params.extend(states)
    if template:
        where.append("jobs.template = ?")
        params.append(template)
    if before is not None:
        where.append("jobs.rowid < ?")
        params.append(before)
    rows = conn.execute(_PAGE_SQL.format(where="WHERE " + " AND ".join(where) if where else ""),
                        (*params, limit)).fetchall()
    next_before = rows[-1][1] if len(rows) == limit else None
    body = '{"jobs":[' + ",".join(row[0] for row in rows) + '],"next_before":' + \
        ("null" if next_before is None else str(next_before)) + "}"
    return body.encode()
