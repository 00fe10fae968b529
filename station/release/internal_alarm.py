"""(issue 22) The alarm an internal error at the counter raises.

It lives apart from `session` (issue 23): it needs the `Desk` port, and the
ports need the `Session`; here nothing points back.
"""

from __future__ import annotations

import logging

from spool.errors import SpoolError

from .ports import Desk


def internal_alarm(desk: Desk, job_id: str | None, err: BaseException) -> None:
    """An internal error at the counter always raises an alarm naming the job and the cause.

    The cause is the error's type, with the spool's own words for a spool error
    (ids and states only); other errors' text may carry document text and is left out.
    """
    cause = type(err).__name__ + (f": {str(err)[:200]}" if isinstance(err, SpoolError) else "")
    what = f"document {job_id}" if job_id else "a scan"
    try:
        desk.alarm("internal_error", f"internal error while serving {what}: {cause}", job=job_id,
                   severity="critical")
    except Exception:  # noqa: BLE001 - a spool that cannot take the alarm is its own outage; the log has it
        logging.getLogger("station.counter").exception("the internal-error alarm could not be recorded")
