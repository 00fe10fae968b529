"""The printer as the station sees it: one interface, whichever driver is behind it.

The print stage talks to a `Printer`; the CUPS driver and the in-process
simulator both implement it, so the stage cannot tell them apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .status import PrinterStatus


class JobPhase(StrEnum):
    """Where a job is at the printer (IPP `job-state`, plus what IPP cannot say)."""

    PENDING = "pending"
    HELD = "held"
    PROCESSING = "processing"
    STOPPED = "stopped"
    COMPLETED = "completed"
    CANCELED = "canceled"
    ABORTED = "aborted"
    # Finished, but the spooler lost track of it at the printer: it may or may not have printed.
    UNKNOWN = "unknown"
    # The spooler has no record of the job at all (purged, or another spooler).
    GONE = "gone"

    @property
    def done(self) -> bool:
        """True once the job will not change any more."""
        return self in _DONE


_DONE = frozenset({JobPhase.COMPLETED, JobPhase.CANCELED, JobPhase.ABORTED, JobPhase.UNKNOWN, JobPhase.GONE})

# IPP job-state values (RFC 8011 5.3.7).
IPP_JOB_PHASES = {3: JobPhase.PENDING, 4: JobPhase.HELD, 5: JobPhase.PROCESSING, 6: JobPhase.STOPPED,
                  7: JobPhase.CANCELED, 8: JobPhase.ABORTED, 9: JobPhase.COMPLETED}


@dataclass(frozen=True)
class PrinterJob:
    """One job as the printer (or its spooler) reports it."""

    id: int
    phase: JobPhase
    title: str | None = None
    # Impressions the printer says it completed (None: it did not say).
    pages: int | None = None
    # Stripped job and printer reasons seen with the job (`media-jam`, ...).
    reasons: tuple[str, ...] = ()
    # When the spooler began sending this job; a new value means it was sent again.
    started_at: float | None = None
    message: str = ""
    # True when the printer's own job record confirmed the phase and pages
    # (not only the spooler's word that it sent the data).
    checked_at_printer: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The job as the CLI and the audit show it."""
        return {"id": self.id, "phase": self.phase.value, "title": self.title, "pages": self.pages,
                "reasons": list(self.reasons), "started_at": self.started_at, "message": self.message,
                "checked_at_printer": self.checked_at_printer}


@runtime_checkable
class Printer(Protocol):
    """A printer the station can feed. Calls block; run them off the event loop."""

    name: str

    def status(self) -> PrinterStatus:
        """The printer's status now (never raises for an absent printer: it is `offline`)."""

    def submit(self, pdf: Path, title: str, options: Mapping[str, str]) -> int:
        """Send a PDF, byte for byte, titled `title`; returns the printer's job id.

        Raises `PrinterBlocked` (and sends nothing) while the printer reports
        a blocking reason.
        """

    def job(self, job_id: int) -> PrinterJob:
        """What became of a job (phase `gone` when the printer has no record of it)."""

    def jobs_titled(self, title: str) -> list[PrinterJob]:
        """Every job the printer still knows with this title, oldest first."""

    def record_at_printer(self, title: str) -> PrinterJob | None:
        """The printer's own newest record of a job with this title (None: none, or it cannot say).

        What the spooler says is what it sent; this is what the printer did.
        """

    def cancel(self, job_id: int) -> None:
        """Cancel a job that has not finished (a finished one is left alone)."""

    def purge(self, job_id: int) -> None:
        """Forget a finished job and its document (citizens' documents must not linger at the spooler)."""

    def close(self) -> None:
        """Let go of connections and threads."""
