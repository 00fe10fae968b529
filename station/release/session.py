"""One citizen's release in progress, and the refusal that ends one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import Refused
from station.release.kiosk import Screen
from station.trust.token import TokenClaims


class ReleaseRefused(Refused):
    """The release stops here; the citizen reads why (a `Refused` with what the kiosk shows of it)."""

    def __init__(self, reason: str, detail: str = "", *, screen: Screen = Screen.REFUSED,
                 progress: str | None = None, retry_after_s: float | None = None,
                 words: dict[str, str] | None = None, view: dict[str, Any] | None = None) -> None:
        super().__init__(reason, detail)
        self.screen = screen
        self.progress = progress  # where the document is, when it is not ready yet
        self.retry_after_s = retry_after_s
        self.words = words  # (issue 24) the sentences, when they name something (a station, an estimate)
        self.view = view or {}  # (issue 24) the view's own fields for it (`estimate_s`, `cancelled_by`)


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
    reset_at: str | None = None  # (issue 24) RFC 3339: when the PIN pad gives up and the kiosk resets
    actor: str = "citizen"       # who the release is audited as (a staff member for a hand-over)
    handed_over: dict[str, str] | None = None  # (issue 24) {"by": "staff", "reason": ...} after an ID check

    def release_details(self) -> dict[str, Any]:
        """What the release's audit entry says of how it was allowed (reported as `detail.by`/`reason`)."""
        return {"token": self.claims.cti_hex[:8], "kid": self.claims.kid, **(self.handed_over or {})}
