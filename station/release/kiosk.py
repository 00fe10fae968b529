"""What the kiosk screen shows: the counter publishes these, the kiosk page draws them.

Every change of the citizen-facing screen is one `kiosk` event on the event
bus (and so on the control socket and the SSE stream):

    {"screen": "opening", "slot": "1-05", "door": 5, "board": 1, "reason": null,
     "message": {"id": "...", "en": "..."}, "job": {"masked_name": "S*** N****", "state": "..."}}

`screen` is one of `Screen`. `reason` is a refusal word of PROTOCOLS.md §4,
or one of the counter's (`station.release.screens`: where the document is,
`busy` with `retry_after_s` for a dispenser serving someone else), when
`screen` is `refused`. `job` never carries personal data beyond a masked
name. `citizen_words` gives the Indonesian and English sentence for any of
these words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from spool.rfc3339 import format_time


class Screen(StrEnum):
    """The kiosk's screens, in the order a citizen meets them."""

    IDLE = "idle"                # "scan the QR code on your phone"
    CHECKING = "checking"        # a scan arrived, being verified
    PIN = "pin"                  # the token asks for the PIN the citizen got apart
    OPENING = "opening"          # door N is opening (with where slot N is)
    OPEN = "open"                # take your document and close the door
    PRINTING = "printing"        # dispenser: your document is being printed
    PRESENTED = "presented"      # dispenser: take your document from the bin
    THANKS = "thanks"            # collected: thank you
    REFUSED = "refused"          # a plain sentence saying what to do next
    ASK_STAFF = "ask_staff"      # jammed door, unknown outcome: staff are called
    LOCKED_OUT = "locked_out"    # too many refused scans: wait a moment
    PROBLEM_REPORTED = "problem_reported"  # the citizen reported a problem; staff are called
    OUT_OF_SERVICE = "out_of_service"      # the station cannot release now (disk full, ...): ask staff


@dataclass(frozen=True)
class KioskView:
    """One state of the kiosk screen."""

    screen: Screen
    slot: str | None = None
    board: int | None = None
    door: int | None = None
    reason: str | None = None
    message: dict[str, str] = field(default_factory=dict)
    job: dict[str, Any] | None = None
    session: str | None = None          # the release session, for the PIN pad and problem reports
    retry_after_s: float | None = None  # locked out: how long
    # (issue 24, docs: the kiosk contract) optional facts the page counts down from or draws; RFC 3339 times.
    until: str | None = None            # locked_out: when the lockout ends (fixed at its start)
    reset_at: str | None = None         # pin: when the kiosk goes back to idle if nothing is typed
    progress: dict[str, Any] | None = None  # printing: {"page": n, "pages": m, "eta_s": s}
    retain_at: str | None = None        # presented: when paper not taken is kept
    banner: dict[str, str] | None = None  # a line for the next person in the queue, beside the screen
    banner_until: str | None = None     # when the banner clears itself
    estimate_s: float | None = None     # not_ready: the estimate in seconds
    cancelled_by: str | None = None     # cancelled: "staff" or "office"

    def as_event(self) -> dict[str, Any]:
        """The event payload."""
        data = asdict(self)
        data["screen"] = self.screen.value
        return data


def at_time(seconds: float) -> str:
    """Seconds since the epoch as the kiosk's RFC 3339 time (UTC, milliseconds)."""
    return format_time(datetime.fromtimestamp(seconds, UTC))


# Problems a citizen can report from the kiosk ("report a problem"); the keys are the
# problem words of PROTOCOLS.md §7.1, sent to the back office as they are.
PROBLEMS: dict[str, dict[str, str]] = {
    "door_stuck": {"id": "Pintu tidak terbuka", "en": "The door will not open"},
    "document_missing": {"id": "Dokumen tidak ada", "en": "The document is missing"},
    "wrong_document": {"id": "Dokumen salah", "en": "It is the wrong document"},
    "other": {"id": "Masalah lain", "en": "Something else"},
}

def knows_reason(reason: object) -> bool:
    """True for a refusal word the kiosk has sentences for (§4 token words, the counter's own words)."""
    from station.release import screens
    from station.trust.token import REASONS

    return isinstance(reason, str) and (reason in REASONS or reason in screens.STATE_REASONS
                                        or reason in (screens.BUSY, screens.BIN_NOT_EMPTY, screens.DEVICE_UNKNOWN))


def citizen_words(reason: str) -> dict[str, str]:
    """Both sentences for a refusal word: {"id": ..., "en": ...} (the counter's words, `station.release.screens`)."""
    from station.release import screens

    return screens.message(reason)
