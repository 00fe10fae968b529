"""What the kiosk screen shows: the counter publishes these, the kiosk page draws them.

Every change of the citizen-facing screen is one `kiosk` event on the event
bus (and so on the control socket and the SSE stream):

    {"screen": "opening", "slot": "1-05", "door": 5, "board": 1, "reason": null,
     "message": {"id": "...", "en": "..."}, "job": {"masked_name": "S*** N****", "state": "..."}}

`screen` is one of `Screen`. `reason` is a refusal word of PROTOCOLS.md §4,
or one of `JOB_REASONS` (the document is not releasable as it stands), or
`busy` (a dispenser serving someone else; `retry_after_s` says how long),
when `screen` is `refused`. `job` never carries personal data beyond a
masked name. `citizen_words` gives the Indonesian and English sentence for
any of these words.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


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

    def as_event(self) -> dict[str, Any]:
        """The event payload."""
        data = asdict(self)
        data["screen"] = self.screen.value
        return data


# Problems a citizen can report from the kiosk ("report a problem"); the keys are the
# problem words of PROTOCOLS.md §7.1, sent to the back office as they are.
PROBLEMS: dict[str, dict[str, str]] = {
    "door_stuck": {"id": "Pintu tidak terbuka", "en": "The door will not open"},
    "document_missing": {"id": "Dokumen tidak ada", "en": "The document is missing"},
    "wrong_document": {"id": "Dokumen salah", "en": "It is the wrong document"},
    "other": {"id": "Masalah lain", "en": "Something else"},
}

# Why a document cannot be released as it stands (the counter's refusal words beyond §4).
JOB_REASONS: dict[str, dict[str, str]] = {
    "not_ready": {"id": "Dokumen Anda belum siap diambil. Silakan coba lagi nanti.",
                  "en": "Your document is not ready for pickup yet. Please try again later."},
    "cancelled": {"id": "Dokumen ini dibatalkan oleh kantor. Silakan minta bantuan petugas.",
                  "en": "This document was cancelled by the office. Please ask a staff member for help."},
    "expired": {"id": "Batas waktu pengambilan sudah lewat. Dokumen Anda akan dikembalikan ke kantor;"
                      " silakan minta bantuan petugas.",
                "en": "The pickup time has passed. Your document goes back to the office;"
                      " please ask a staff member for help."},
    "returned": {"id": "Dokumen Anda sudah dikembalikan ke kantor. Silakan ambil di loket layanan.",
                 "en": "Your document was taken back to the office. Please collect it at the service desk."},
    "held": {"id": "Dokumen Anda sedang diperiksa petugas. Silakan minta bantuan petugas.",
             "en": "Staff are checking your document. Please ask a staff member for help."},
    "busy": {"id": "Mesin sedang melayani orang lain. Mohon tunggu sebentar, lalu pindai lagi.",
             "en": "The machine is serving someone else. Please wait a moment, then scan again."},
    "out_of_service": {"id": "Mesin ini sedang tidak dapat digunakan. Silakan hubungi petugas.",
                       "en": "This machine cannot be used right now. Please ask a staff member."},
}


def knows_reason(reason: object) -> bool:
    """True for a refusal word the kiosk has sentences for."""
    from .token import REASONS

    return isinstance(reason, str) and (reason in JOB_REASONS or reason in REASONS)


def citizen_words(reason: str, job_state: str | None = None) -> dict[str, str]:
    """Both sentences for a refusal word: a job reason, `busy`, or a §4 token reason.

    `expired` is both a token word (the QR code's time is up) and a job word
    (the pickup window passed); the job's state tells them apart.
    """
    from .token import REASONS, citizen_messages

    if reason in JOB_REASONS and (reason != "expired" or job_state in ("expired", "returned")):
        return dict(JOB_REASONS[reason])
    if reason in REASONS:
        return citizen_messages(reason)
    return dict(JOB_REASONS["out_of_service"] if reason == "out_of_service" else JOB_REASONS["held"])
