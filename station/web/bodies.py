"""The bodies the API accepts: each refuses what it does not know (`extra="forbid"`).

Free text goes to the audit, so it is short and one line; a slot is named
as the station names it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from station.trust import pickup_code

SLOT_PATTERN = r"^([A-Za-z0-9]{1,8}-)?[1-9][0-9]?-[0-9]{2}$"  # A-1-05, or 1-05 where one bus has board 1
# Free text written to the audit: short, one line.
NOTE = Field(min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")


class CancelBody(BaseModel):
    """Why the job is cancelled (goes to the audit: no personal data)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "withdrawn at the counter"}]})
    reason: str = NOTE


class TrayCheckBody(BaseModel):
    """What staff found in the printer's tray: one extra copy, destroyed (true), or none (false)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"found": True}]})
    found: StrictBool  # "yes" is not an answer: only true or false


class MoveBody(BaseModel):
    """The slot to move the document to."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"slot": "1-07"}]})
    slot: str = Field(pattern=SLOT_PATTERN)


class ExtendBody(BaseModel):
    """The new end of the pickup window (RFC 3339, in the future)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"pickup_expires": "2026-12-31T09:00:00Z"}]})
    pickup_expires: datetime


class ServiceBody(BaseModel):
    """Take a slot out of service (with a note) or put it back."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"out_of_service": True,
                                                                               "note": "latch sticks"}]})
    out_of_service: bool
    note: str | None = Field(None, min_length=1, max_length=200, pattern=r"^[^\x00-\x1f\x7f]+$")


class OpenBody(BaseModel):
    """Why a technician opens the door (audited)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "latch test"}]})
    reason: str = NOTE


class ScanBody(BaseModel):
    """A scan typed or pasted at the kiosk (a keyboard-wedge scanner)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"text": "MPP1:6BFOXN*TS0BI$ZD..."}]})
    text: str = Field(min_length=1, max_length=1000)


class PinBody(BaseModel):
    """The PIN the citizen typed on the kiosk's PIN pad."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"session": "s-81f2", "pin": "482913"}]})
    session: str = Field(min_length=1, max_length=128)
    pin: str = Field(pattern=r"^[0-9]{4,12}$")


class CodeBody(BaseModel):
    """(issue 24) The pickup code the citizen typed: 12 digits, dashes and spaces ignored (PROTOCOLS §4.1)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"code": "1234-5678-9012"}]})
    code: str = Field(min_length=12, max_length=pickup_code.MAX_TYPED_LENGTH, pattern=r"^[ -]*([0-9][ -]*){12}$")

    @field_validator("code")
    @classmethod
    def _twelve_digits(cls, value: str) -> str:
        try:
            pickup_code.parse(value)
        except pickup_code.CodeShapeError as err:
            raise ValueError(str(err)) from None  # a 422 problem that says what a code is
        return value


class HandoverBody(BaseModel):
    """(issue 24) Staff checked the citizen's KTP: the last 4 digits of its NIK, and why (to the audit)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"nik_last4": "0003", "reason": "PIN forgotten; KTP checked at the desk"}]})
    nik_last4: str = Field(pattern=r"^[0-9]{4}$")
    reason: str = NOTE


class PinCancelBody(BaseModel):
    """(issue 24) The citizen pressed Cancel on the PIN pad."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"session": "s-81f2"}]})
    session: str = Field(min_length=1, max_length=128)


class ProblemBody(BaseModel):
    """A problem the citizen reports from the kiosk."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"problem": "door_stuck",
                                                                               "session": "s-81f2"}]})
    problem: Literal["document_missing", "wrong_document", "door_stuck", "other"]  # PROTOCOLS.md §7.1
    session: str | None = Field(None, max_length=128)
