"""The durable job store: schema, state machine, slots, token ledger, audit chain."""

from .db import connect, write
from .errors import DuplicateJob, IllegalTransition, SlotError, SpoolError, UnknownJob
from .states import Flow, JobState

__all__ = ["connect", "write", "Flow", "JobState", "SpoolError", "IllegalTransition",
           "UnknownJob", "DuplicateJob", "SlotError"]
