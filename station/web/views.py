"""How jobs are shown by the API."""

from __future__ import annotations

from typing import Any

from spool.jobs import Job
from spool.listings import SUMMARY_FIELDS, job_page_json

__all__ = ["job_page_json", "job_summary"]  # the page of jobs is built by the spool (`spool.listings`)


def job_summary(job: Job) -> dict[str, Any]:
    """`Job.summary()` (the job without its payload), built without `asdict`'s deep copies.

    The job list serialises 50 of these per request: `asdict` made up most of
    the time a page took.
    """
    data = {name: getattr(job, name) for name in SUMMARY_FIELDS}
    data["flow"] = job.flow.value
    data["state"] = job.state.value
    return data
