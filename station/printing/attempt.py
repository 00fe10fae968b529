"""One attempt at the printer: what is sent, and what the stage follows until it ends."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.printer import BLOCKING, JobPhase, PrinterJob, PrinterStatus, print_options
from spool import intents
from spool.intents import Kind
from spool.jobs import Job

OptionsFor = Callable[[Job], Mapping[str, Any]]


@dataclass
class Flight:
    """One attempt at the printer, followed until it ends."""

    job_id: str
    printer_job: int
    attempt: int
    intent: int
    expected_pages: int
    document_pages: int
    started_at: float | None = None
    finished_at: float | None = None  # when the printer finished and the pages matched (sensor wait)
    # Blocking reasons the printer reported while this attempt was at it: the
    # likely cause when the job's own record names none (a jam cleared since).
    seen: dict[str, None] = field(default_factory=dict)
    # The spooler put the job back in its queue after beginning it.
    requeued: bool = False


@dataclass(frozen=True)
class PrintDocument:
    """What is sent for one job: the PDF, its pages, the pages to expect back, the options."""

    path: Path
    pages: int
    expected: int
    options: dict[str, str]


@dataclass
class Recovery:
    """What `recover()` found after a restart."""

    resumed: list[str] = field(default_factory=list)
    adopted: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    retries: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StepReport:
    """What one `step()` did."""

    status: PrinterStatus
    in_flight: int
    fed: int
    printed: int
    failed: int


def default_options(media: str) -> OptionsFor:
    """Options when no template says otherwise: the configured paper, one side, one copy."""
    fixed = print_options(media=media)
    return lambda job: fixed


def judge(flight: Flight, info: PrinterJob) -> tuple[str | None, dict[str, Any]]:
    """None when the attempt printed; else the reason it did not (and what the printer said)."""
    details: dict[str, Any] = {"printer_job": flight.printer_job, "attempt": flight.attempt,
                               "phase": info.phase.value}
    if info.pages is not None:
        details["pages"] = info.pages
    blocking = [r for r in info.reasons if r in BLOCKING]
    if info.phase is not JobPhase.COMPLETED:
        blocking = blocking or list(flight.seen)
        default = {JobPhase.GONE: "printer-job-lost", JobPhase.UNKNOWN: "outcome-unknown",
                   JobPhase.CANCELED: "canceled-at-printer"}.get(info.phase, "aborted-by-printer")
        return (blocking[0] if blocking else default), details
    if blocking and not info.checked_at_printer:
        # Only the spooler's word, and the printer was in trouble: do not trust "completed".
        return blocking[0], details
    if info.pages != flight.expected_pages:
        return "page-count-mismatch", {**details, "pages_expected": flight.expected_pages,
                                       "pages_reported": info.pages}
    return None, details


def failures_in_a_row(conn: sqlite3.Connection, job_id: str, *, lost: bool = False) -> int:
    """Failed attempts (lost ones, or the others) since the job was last printed or held."""
    count = 0
    for attempt in reversed(intents.of_job(conn, job_id, Kind.PRINT)):
        if attempt.outcome == "printed" or attempt.detail.get("held"):
            break
        if attempt.outcome in ("failed", "lost") and (attempt.outcome == "lost") == lost:
            count += 1
    return count
