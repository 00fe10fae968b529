"""The printer's status in the station's device vocabulary (DESIGN.md, "Devices").

IPP `printer-state-reasons` keywords may carry a severity suffix
(`-report`, `-warning`, `-error`). The station strips it and decides from
the keyword alone: printers disagree about severities (ippeveprinter
reports an empty tray as `media-empty-report`, CUPS passes the same fact
on as `media-empty-warning` while a job runs), and an empty tray stops
paper whatever its label says.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from .errors import PrinterBlocked

SUFFIXES = ("-report", "-warning", "-error")

# IPP printer-state values (RFC 8011 5.4.11).
IDLE, PROCESSING, STOPPED = 3, 4, 5

# Station-made reasons, for facts IPP has no keyword for.
SCHEDULER_UNREACHABLE = "scheduler-unreachable"
NOT_ACCEPTING = "not-accepting-jobs"

# Conditions a person fixes at the printer (DESIGN.md: `user_error`).
USER_FIXABLE = frozenset({
    "media-empty", "media-needed", "media-jam", "door-open", "cover-open", "interlock-open",
    "toner-empty", "marker-supply-empty", "output-area-full", "input-tray-missing",
    "output-tray-missing",
})
# The printer (or the path to it) is not there, or was stopped on purpose.
OFFLINE_REASONS = frozenset({"offline", "shutdown", "paused", SCHEDULER_UNREACHABLE})
# While any of these holds, no paper can come out: the station stops feeding.
BLOCKING = USER_FIXABLE | OFFLINE_REASONS | {NOT_ACCEPTING}


class DeviceState(StrEnum):
    """The one status vocabulary every station device reports."""

    ONLINE = "online"
    OFFLINE = "offline"
    BUSY = "busy"
    HARDWARE_ERROR = "hardware_error"
    USER_ERROR = "user_error"


def strip_severity(keyword: str) -> str:
    """`media-jam-report` -> `media-jam`; a keyword without a suffix is returned as is."""
    for suffix in SUFFIXES:
        if keyword.endswith(suffix) and len(keyword) > len(suffix):
            return keyword[: -len(suffix)]
    return keyword


def parse_reasons(values: Iterable[Any] | str | None) -> tuple[str, ...]:
    """Stripped reasons in first-seen order, without `none`, blanks or duplicates."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    seen: dict[str, None] = {}
    for value in values:
        if not isinstance(value, str):
            continue
        keyword = strip_severity(value.strip().lower())
        if keyword and keyword != "none":
            seen.setdefault(keyword, None)
    return tuple(seen)


def device_state(printer_state: int | None, raw_reasons: Iterable[Any] | str | None) -> DeviceState:
    """Map IPP `printer-state` and its raw reasons to the device vocabulary."""
    raw = [raw_reasons] if isinstance(raw_reasons, str) else list(raw_reasons or [])
    reasons = set(parse_reasons(raw))
    if reasons & OFFLINE_REASONS:
        return DeviceState.OFFLINE
    if reasons & USER_FIXABLE:
        return DeviceState.USER_ERROR
    if printer_state == STOPPED or any(isinstance(r, str) and r.endswith("-error") for r in raw):
        return DeviceState.HARDWARE_ERROR
    if printer_state == PROCESSING:
        return DeviceState.BUSY
    return DeviceState.ONLINE


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer says about itself, in the station's words."""

    state: DeviceState
    reasons: tuple[str, ...] = ()
    message: str = ""
    # Where the facts came from: "printer" (its own URI), "scheduler" (CUPS), "simulator".
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def blocking(self) -> tuple[str, ...]:
        """The reasons that stop paper from coming out."""
        found = tuple(r for r in self.reasons if r in BLOCKING)
        if not found and self.state is DeviceState.OFFLINE:
            return ("offline",)
        return found

    @property
    def blocked(self) -> bool:
        """True when the station must not feed this printer."""
        return bool(self.blocking)

    def as_dict(self) -> dict[str, Any]:
        """The status as the API, the CLI and the events show it."""
        return {"state": self.state.value, "reasons": list(self.reasons), "blocking": list(self.blocking),
                "message": self.message, "source": self.source}


def status_from_ipp(printer_state: int | None, raw_reasons: Iterable[Any] | str | None,
                    message: str = "", *, accepting: bool = True, source: str = "") -> PrinterStatus:
    """A `PrinterStatus` from the IPP printer attributes a printer or CUPS returned."""
    reasons = parse_reasons(raw_reasons)
    if not accepting:
        reasons = (*reasons, NOT_ACCEPTING)
    return PrinterStatus(device_state(printer_state, raw_reasons), reasons, message or "", source)


def unreachable(reason: str, message: str, *, source: str) -> PrinterStatus:
    """The status of a printer (or scheduler) that did not answer."""
    return PrinterStatus(DeviceState.OFFLINE, (reason,), message, source)


def check_can_feed(status: PrinterStatus, name: str) -> None:
    """Refuse to send paper to a printer that reports a blocking reason."""
    if status.blocked:
        blocking = status.blocking
        raise PrinterBlocked(f"printer {name} is not ready ({', '.join(blocking)}); nothing was sent",
                             reasons=blocking)
