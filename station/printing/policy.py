"""What differs between the kinds of station at the printer: which jobs print next, and what a failure does.

A locker prints `rendered` jobs ahead of loading, only while there are slots
for them; a failed attempt goes back to `rendered`, and one the printer lost
asks staff to look in the tray (issue 22). A dispenser prints `released`
jobs, whose citizen waits, one at a time into an empty bin; a failed attempt
stays `printing` and is tried again, unless its paper is in the bin after all.

Every stage holds one policy per flow (a station holds jobs of its own kind;
the harness may mix them), the dispenser's first.
"""

from __future__ import annotations

import sqlite3
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Protocol

from drivers.locks.model import Item, SlotStatus
from spool import jobs, machine, slots
from spool.jobs import Job, get_job
from spool.states import Flow, JobState

from station.config import Config
from station.printing.attempt import Flight
from station.release import tray_check


class OutputSensor(Protocol):
    """A sensor where the paper lands."""

    def paper_seen(self, job: Job) -> bool:
        """True when the paper of `job` is there."""


class OutputBin(OutputSensor, Protocol):
    """The dispenser's bin: paper in it, or empty."""

    def empty(self) -> bool:
        """True when nothing is in the bin (the next document may land there)."""


class Feeding(Protocol):
    """What a policy reads and changes of the stage while it picks jobs."""

    conn: sqlite3.Connection
    actor: str
    flights: dict[str, Flight]
    retry: dict[str, None]


class KindPolicy(ABC):
    """The printing rules of one flow."""

    flow: ClassVar[Flow]
    retries_in_place: ClassVar[bool] = False  # a failed job stays `printing`, in the stage's retry list

    @abstractmethod
    def pick(self, stage: Feeding, limit: int) -> list[Job]:
        """The jobs of this flow to print next, at most `limit` (oldest first)."""

    @abstractmethod
    def print_again(self, conn: sqlite3.Connection, job: Job, reason: str, details: dict[str, Any],
                    actor: str) -> None:
        """A failed attempt, not held: put the job where it waits for its next attempt."""

    def written_off(self, conn: sqlite3.Connection, job: Job, attempt: int) -> None:
        """The printer lost an attempt that may have printed all the same (nothing by default)."""

    def lost_paper(self, job: Job) -> bool | None:
        """A job the printer lost: True when its paper is seen where it lands, None when unknown yet."""
        return False


class LockerPolicy(KindPolicy):
    """Locker: printed ahead of loading, within the free slots plus a margin."""

    flow = Flow.LOCKER

    def __init__(self, ahead_margin: int | None = None) -> None:
        # Papers printed but not in a slot yet stay within the free slots plus this margin (None: no limit).
        self.ahead_margin = ahead_margin

    def pick(self, stage: Feeding, limit: int) -> list[Job]:
        room = limit if self.ahead_margin is None else min(limit, self._room(stage.conn))
        return jobs.oldest(stage.conn, JobState.RENDERED, Flow.LOCKER, room) if room > 0 else []

    def _room(self, conn: sqlite3.Connection) -> int:
        return slots.count_free(conn) + self.ahead_margin - jobs.printed_ahead(conn)  # type: ignore[operator]

    def print_again(self, conn: sqlite3.Connection, job: Job, reason: str, details: dict[str, Any],
                    actor: str) -> None:
        machine.transition(conn, job.id, JobState.RENDERED, actor=actor, action="print.failed", reason=reason,
                           details=details)

    def written_off(self, conn: sqlite3.Connection, job: Job, attempt: int) -> None:
        tray_check.ask(conn, job.id, attempt)  # it may have printed all the same: staff look in the tray


class DispenserPolicy(KindPolicy):
    """Dispenser: a citizen waits, so these go first, one at a time, into an empty bin."""

    flow = Flow.DISPENSER
    retries_in_place = True

    def __init__(self, output_bin: OutputBin | None = None) -> None:
        self.bin = output_bin  # None: no bin sensor (the harness), every bin counts as empty

    def pick(self, stage: Feeding, limit: int) -> list[Job]:
        chosen: list[Job] = []
        clear = self.bin is None or self.bin.empty()
        for job_id in list(stage.retry):
            job = get_job(stage.conn, job_id)
            if job.state is not JobState.PRINTING or job.id in stage.flights:
                stage.retry.pop(job_id, None)
            elif self._matched_in_bin(stage, job):
                continue
            elif clear and len(chosen) < min(limit, 1):
                chosen.append(job)
        # One dispenser job at a time: its paper must land in an empty bin.
        dispensing = any(get_job(stage.conn, j).flow is Flow.DISPENSER for j in stage.flights)
        if not chosen and clear and not dispensing:
            chosen.extend(jobs.oldest(stage.conn, JobState.RELEASED, Flow.DISPENSER, 1))
        return chosen

    def _matched_in_bin(self, stage: Feeding, job: Job) -> bool:
        """A job between attempts whose paper is in the bin after all: printed, not printed again."""
        if self.lost_paper(job) is not True:
            return False
        machine.transition(stage.conn, job.id, JobState.PRINTED, actor=stage.actor,
                           details={"matched": "output-sensor"})
        stage.retry.pop(job.id, None)
        return True

    def print_again(self, conn: sqlite3.Connection, job: Job, reason: str, details: dict[str, Any],
                    actor: str) -> None:
        machine.annotate(conn, job.id, "print.failed", actor=actor, details={**details, "reason": reason})

    def lost_paper(self, job: Job) -> bool | None:
        # The bin was empty before this attempt: paper in it now is this document's.
        if self.bin is None:
            return False
        try:
            if self.bin.paper_seen(job):
                return True
            return False if self.bin.empty() else None
        except Exception:  # noqa: BLE001 - a broken sensor is an unknown one
            return None


class SlotReader(Protocol):
    """The lock boards (`drivers.locks.Locker`)."""

    def status(self, slot: str) -> SlotStatus:
        """What is known of one slot now."""


class ShutterBin:
    """The dispenser's bin behind its shutter, read through the shutter slot's item sensor."""

    def __init__(self, locker: SlotReader, shutter: str) -> None:
        self.locker = locker
        self.shutter = shutter

    def paper_seen(self, job: Job | None = None) -> bool:
        return self.locker.status(self.shutter).item is Item.PRESENT

    def empty(self) -> bool:
        return self.locker.status(self.shutter).item is Item.ABSENT


def policies_for(cfg: Config, output_bin: OutputBin | None = None) -> tuple[KindPolicy, ...]:
    """The policies of a configured station, the dispenser's first (its citizen waits)."""
    margin = cfg.loading.print_ahead_margin if cfg.station.kind == Flow.LOCKER.value else None
    return (DispenserPolicy(output_bin), LockerPolicy(margin))
