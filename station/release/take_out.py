"""Take-out tasks: paper in a slot that must come out before the slot serves again (ADR 0321).

Three kinds of paper wait for staff: an expired document (not collected in
time), a cancelled one (withdrawn or cancelled by an operator) and the old
copy of a staged document to be printed again. Each is done the same way,
slot by slot: the slot opens, staff take the paper out and close the door,
and only when the door sensor says closed and the item sensor does not say
present does the spool move on: an expired document is `returned`, a
cancelled one leaves its slot (it stays `cancelled`), a reprint goes back to
the print queue. `station slots collect-expired` and the ops page's flow both
end here.

The reprint's task is an alarm (`reprint_old_copy`) so staff see it until
it is done; the cancel's is the withdrawal's `slot_withdrawn_paper`, cleared
by housekeeping once the slot no longer holds that document.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass
from typing import Any

import spool
from spool import alarms, jobs, machine, slots
from spool.states import Action, JobState

from station import operations
from station.errors import StationError

REPRINT_ALARM = "reprint_old_copy"
# Why the paper must come out, as the tasks list and the audit say it.
EXPIRED, CANCELLED, REPRINT = "expired", "cancelled", "reprint"


@dataclass(frozen=True)
class Task:
    """One slot to empty: which document, and why."""

    job: str
    slot: str
    why: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def tasks(conn: sqlite3.Connection) -> list[Task]:
    """Every slot to empty now, in slot order."""
    found = [Task(job.id, job.slot, EXPIRED) for job in jobs.jobs_in(conn, JobState.EXPIRED, limit=10_000) if job.slot]
    found += [Task(job.id, job.slot, CANCELLED) for job in jobs.jobs_in(conn, JobState.CANCELLED, limit=10_000)
              if job.slot]
    for alarm in alarms.open_alarms(conn, REPRINT_ALARM):
        job = jobs.find_job(conn, alarm.job_id or "")
        if job is not None and job.slot and job.slot == alarm.slot_id and job.state is JobState.STAGED:
            found.append(Task(job.id, job.slot, REPRINT))
    return sorted(found, key=lambda task: (task.slot, task.job))


def task_for(conn: sqlite3.Connection, job_id: str) -> Task:
    """The take-out task of one document (409 when there is none: nothing of it waits in a slot)."""
    for task in tasks(conn):
        if task.job == job_id:
            return task
    raise StationError(f"document {job_id} has no paper to take out (not expired, cancelled or being reprinted"
                       " in a slot)", http_status=409)


def ask_reprint(conn: sqlite3.Connection, job_id: str, *, actor: str) -> Task | None:
    """A reprint of a document in a slot: first a take-out task for its old copy (None: no slot, print now)."""
    job = jobs.get_job(conn, job_id)
    operations.check(job, Action.REPRINT)
    if job.slot is None:
        return None
    alarms.raise_alarm(conn, REPRINT_ALARM, f"slot {job.slot}: take the old copy of {job.id} out before it is"
                       " printed again", job=job.id, slot=job.slot, actor=actor)
    return Task(job.id, job.slot, REPRINT)


def settle(conn: sqlite3.Connection, task: Task, *, door: str, item: str, actor: str) -> dict[str, Any]:
    """The sensors confirm the slot is shut and empty: record what came of the paper (409 when they do not)."""
    if door != "closed" or item == "present":
        raise StationError(f"slot {task.slot} is not confirmed empty (door {door}, item {item}): take the paper out"
                           " and close the door", http_status=409)
    with spool.write(conn):
        if task.why == EXPIRED:
            done = machine.transition(conn, task.job, JobState.RETURNED, actor=actor, details={"slot": task.slot})
            result = "returned"
        elif task.why == CANCELLED:
            slots.vacate(conn, task.slot, actor=actor, reason="cancelled document taken out")
            done, result = jobs.get_job(conn, task.job), "taken_out"
        else:
            done, result = operations.reprint(conn, task.job, actor=actor), "reprinting"
            alarms.clear(conn, REPRINT_ALARM, job=task.job, actor=actor, why="the old copy was taken out")
    return {**task.as_dict(), "result": result, "state": done.state.value}
