"""One citizen's release in progress, the refusal that ends one, and the alarm an internal error raises."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from spool.errors import SpoolError

from station.release.kiosk import Screen
from station.trust.token import TokenClaims

if TYPE_CHECKING:
    from .ports import Desk


class Refusal(Exception):
    """The release stops here; the citizen reads why."""

    def __init__(self, reason: str, detail: str = "", *, screen: Screen = Screen.REFUSED,
                 progress: str | None = None, retry_after_s: float | None = None) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.screen = screen
        self.progress = progress  # where the document is, when it is not ready yet
        self.retry_after_s = retry_after_s


@dataclass
class Session:
    """One citizen's release in progress (monotonic times)."""

    id: str
    claims: TokenClaims
    job_id: str
    slot: str | None
    scanned_at: float
    verified_at: float
    waiting_pin_until: float | None = None
    pin_seconds: float | None = None  # time at the PIN pad, apart from the release latency
    reopen: bool = False


def internal_alarm(desk: Desk, job_id: str | None, err: BaseException) -> None:
    """(issue 22) An internal error at the counter always raises an alarm naming the job and the cause.

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
