"""Typed errors of the spool."""

from __future__ import annotations


class SpoolError(Exception):
    """The spool cannot do what was asked; the message says why."""


class IllegalTransition(SpoolError):
    """A job was asked to move to a state its life does not allow from where it is."""

    def __init__(self, job_id: str, current: str, target: str) -> None:
        super().__init__(f"job {job_id}: cannot go from {current} to {target}")
        self.job_id = job_id
        self.current = current
        self.target = target


class UnknownJob(SpoolError):
    """No job with that id is in the spool."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job {job_id!r} in the spool")
        self.job_id = job_id


class DuplicateJob(SpoolError):
    """A job with that id is already in the spool."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"job {job_id!r} is already in the spool")
        self.job_id = job_id


class SlotError(SpoolError):
    """A slot cannot be used as asked (unknown, occupied, out of service)."""


class PersonalDataInAudit(SpoolError):
    """Audit details must never carry personal data."""
