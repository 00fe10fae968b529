"""Which document a verified token may release now, or why not, in words a citizen understands."""

from __future__ import annotations

import sqlite3

from spool import jobs, rfc3339, tokens
from spool.rules import READY
from spool.states import Flow, JobState

from station.trust import token as tokens_module
from station.release.kiosk import Screen
from .screens import STATE_REASONS
from .session import ReleaseRefused

# What a job's state tells a citizen whose token cannot release it now.
_STATE_REASON = {JobState.RELEASED: "in_progress", JobState.CANCELLED: "cancelled", JobState.EXPIRED: "expired",
                 JobState.RETURNED: "returned", JobState.HELD: "held", JobState.COLLECTED: "collected",
                 JobState.RETAINED: "retained"}
assert set(_STATE_REASON.values()) <= set(STATE_REASONS)


def releasable(conn: sqlite3.Connection, claims: tokens_module.TokenClaims, kind: Flow, now: float,
               grace_seconds: float) -> tuple[jobs.Job, bool]:
    """The job this token may release now, and whether it is a grace re-open; else the `ReleaseRefused`."""
    job = jobs.find_job(conn, claims.doc)
    if job is None:
        raise ReleaseRefused("unknown_document", claims.doc)
    used_by = tokens.owner(conn, claims.cti_hex)
    if used_by is not None:
        # A token opens once. The one exception: the grace re-open of the same slot, shortly after collection.
        if used_by == job.id and _grace_allows(job, kind, now, grace_seconds):
            return job, True
        raise ReleaseRefused("already_used", f"token {claims.cti_hex} was used")
    _refuse_unless_ready(job, kind)
    if past_window(job, now):
        # (issue 22) Decided here, with the token, at the scan's time: the expiry timer runs only every 30 s.
        raise ReleaseRefused("expired", "pickup window ended", progress=job.state.value)
    return job, False


def ready_now(conn: sqlite3.Connection, job_id: str, kind: Flow) -> jobs.Job:
    """The job as it is now, still waiting for its citizen; else the `ReleaseRefused` that tells its true state.

    (issue 22) Between a scan and the release a withdrawal, a correction, the
    expiry timer or an operator may move the job: the PIN pad and the release
    ask again, inside the release's own transaction, so no illegal move is tried.
    """
    job = jobs.find_job(conn, job_id)
    if job is None:
        raise ReleaseRefused("unknown_document", job_id)
    _refuse_unless_ready(job, kind)
    return job


def _refuse_unless_ready(job: jobs.Job, kind: Flow) -> None:
    ready = READY[kind]
    if job.flow is not kind or (job.state is ready and kind is Flow.LOCKER and job.slot is None):
        raise ReleaseRefused("not_ready", job.state.value, progress=job.state.value)
    if job.state is not ready:
        reason = _STATE_REASON.get(job.state, "not_ready")
        raise ReleaseRefused(reason, job.state.value, progress=job.state.value,
                             screen=Screen.ASK_STAFF if reason in ("held", "retained") else Screen.REFUSED)


def past_window(job: jobs.Job, now: float) -> bool:
    """The document's pickup window has ended at `now` (an unreadable deadline counts as ended: fail closed)."""
    if not job.pickup_expires:
        return False
    deadline = moment(job.pickup_expires)
    return deadline is None or now >= deadline


def _grace_allows(job: jobs.Job, kind: Flow, now: float, grace_seconds: float) -> bool:
    if kind is not Flow.LOCKER or job.state is not JobState.COLLECTED or job.reopens >= 1:
        return False
    collected = moment(job.updated_at)
    return collected is not None and now - collected <= grace_seconds


def moment(text: str | None) -> float | None:
    """An RFC 3339 time from the spool as seconds since the epoch (None when absent or unreadable)."""
    return rfc3339.seconds_or_none(text)

