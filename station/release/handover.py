"""Hand-over after an ID check (issue 24): a document locked by wrong PINs or codes is no dead end.

The citizen shows their KTP; a staff member (operator role) types the last 4
digits of its NIK and a reason. The station checks them against the NIK
fields of the document's own data; when they match it releases the document
through the station's ordinary release flow (the door opens, or the
dispenser prints and presents), audited as that staff member and reported
to the back office as `released` with `detail.by = "staff"`. A tail that
does not match is refused and audited (`job.handover_refused`), and nothing
of the NIK, typed or held, reaches the audit or a log line.
"""

from __future__ import annotations

import hmac
import re
import secrets
import time
from typing import Any

from spool import jobs, machine
from spool.states import Action, Flow

from station import operations
from station.errors import StationError
from station.release.kiosk import KioskView
from station.trust.token import TokenClaims
from .eligibility import ready_now
from .ports import Desk, ReleaseFlow
from .screens import document_of
from .session import ReleaseRefused, Session

HANDOVER_KID = "staff"  # what the release's audit entry says of its key: no token, a staff member's check
NIK_TAIL = re.compile(r"[0-9]{4}")
# A document field that holds a NIK: `nik`, `nik_pemilik`, `anggota.1.nik` (a family card: any member's KTP).
_NIK_FIELD = re.compile(r"(^|[._])nik($|[._])", re.IGNORECASE)
_NIK_VALUE = re.compile(r"[0-9]{16}")


def nik_values(document: dict[str, Any]) -> list[str]:
    """The NIKs in a document's data (16 digits, in fields named for a NIK)."""
    data = document.get("data")
    if not isinstance(data, dict):
        return []
    return [value for name, value in data.items()
            if isinstance(name, str) and _NIK_FIELD.search(name) and isinstance(value, str)
            and _NIK_VALUE.fullmatch(value)]


class HandOver:
    """Releases a locked document to the citizen whose KTP staff checked."""

    def __init__(self, desk: Desk, flow: ReleaseFlow) -> None:
        self.desk = desk
        self.flow = flow

    def release(self, job_id: str, nik_last4: str, reason: str, actor: str) -> KioskView:
        """The release's first view; `StationError` (404, 409, 403) when it may not happen."""
        if not NIK_TAIL.fullmatch(nik_last4):
            raise StationError("the NIK's last 4 digits are 4 digits (0-9)", http_status=422)
        conn = self.desk.conn
        job = jobs.find_job(conn, job_id)
        if job is None:
            raise StationError(f"no job {job_id}", http_status=404)
        operations.check(job, Action.HANDOVER, pin_attempts=self.desk.cfg.release.pin_attempts)
        niks = nik_values(document_of(job))
        if not niks:
            raise StationError(f"job {job_id} holds no NIK to check an ID card against: it cannot be handed"
                               " over here (cancel it for the issuing office)", http_status=409)
        if not any(hmac.compare_digest(nik[-4:], nik_last4) for nik in niks):
            machine.annotate(conn, job_id, "job.handover_refused", actor=actor,
                             details={"why": "nik_mismatch", "reason": reason})
            raise StationError(f"job {job_id}: the NIK's last 4 digits do not match the document: not handed"
                               " over", http_status=403)
        now = time.time()
        claims = TokenClaims(station=self.desk.cfg.station.id, doc=job_id, iat=int(now), exp=int(now),
                             cti=secrets.token_bytes(12), kid=HANDOVER_KID)
        session = Session(secrets.token_urlsafe(9), claims, job_id, job.slot, time.monotonic(), time.monotonic(),
                          actor=actor, handed_over={"by": "staff", "reason": reason})
        try:
            self.flow.check_ready()  # a dispenser serving someone else: staff wait, as a citizen would
            ready_now(conn, job_id, Flow(self.desk.cfg.station.kind))
            return self.flow.release(session)
        except ReleaseRefused as refused:
            raise StationError(f"job {job_id} cannot be handed over now: {refused.reason}", http_status=409) from None
