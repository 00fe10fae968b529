"""Reads for the API's listings: the page of jobs, the slots' view, the readiness probe."""

from __future__ import annotations

import dataclasses
import sqlite3

from .alarms import OPEN
from .jobs import Job, page_filter

# The fields of a job as the API lists it: the whole job but its payload (personal data).
SUMMARY_FIELDS = tuple(f.name for f in dataclasses.fields(Job) if f.name != "payload")

# The job list is the API's busiest route (dashboards poll it). Its page is
# built as JSON by SQLite itself, one object per job, the same fields as
# `station.web.views.job_summary` (a test holds them equal): no Python object per job.
_COLUMN = {"seq": "jobs.rowid", "slot": "slots.id"}
_JOB_JSON = "json_object(" + ", ".join(f"'{name}', {_COLUMN.get(name, 'jobs.' + name)}"
                                      for name in SUMMARY_FIELDS) + ")"
_PAGE_SQL = (f"SELECT {_JOB_JSON}, jobs.rowid FROM jobs LEFT JOIN slots ON slots.occupant = jobs.id"
             "{where} ORDER BY jobs.rowid DESC LIMIT ?")


def job_page_json(conn: sqlite3.Connection, *, states: list[str] | None = None, template: str | None = None,
                  limit: int = 50, before: int | None = None) -> bytes:
    """A page of jobs, newest first, as the JSON body of `GET /api/v1/jobs` (`{"jobs", "next_before"}`)."""
    where, params = page_filter(states, template, before)
    rows = conn.execute(_PAGE_SQL.format(where=where), (*params, limit)).fetchall()
    next_before = rows[-1][1] if len(rows) == limit else None
    body = '{"jobs":[' + ",".join(row[0] for row in rows) + '],"next_before":' + \
        ("null" if next_before is None else str(next_before)) + "}"
    return body.encode()


def occupant_states(conn: sqlite3.Connection) -> dict[str, str]:
    """The state of each job that sits in a slot, by job id."""
    return {row["id"]: row["state"] for row in conn.execute(
        "SELECT jobs.id, jobs.state FROM jobs JOIN slots ON slots.occupant = jobs.id")}


def open_alarms_by_slot(conn: sqlite3.Connection) -> dict[str, int]:
    """How many open alarms name each slot (slots with none are absent)."""
    return {row["slot_id"]: row["n"] for row in conn.execute(
        f"SELECT slot_id, COUNT(*) AS n FROM alarms WHERE {OPEN} AND slot_id IS NOT NULL GROUP BY slot_id")}


def probe(conn: sqlite3.Connection) -> None:
    """Read one row of the jobs table: raises when the spool cannot be read (the readiness check)."""
    conn.execute("SELECT 1 FROM jobs LIMIT 1").fetchall()
