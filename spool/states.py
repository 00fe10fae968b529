"""The names of the job rules (DESIGN.md, "Job life"): states, kinds of station, operator actions, changes.

Only the enums: the moves between the states, the named sets and the
actions each state allows are in `spool.rules`.
"""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    """Where a document is in its life at the station."""

    RECEIVED = "received"
    RENDERED = "rendered"
    PRINTING = "printing"
    PRINTED = "printed"
    STAGED = "staged"
    RELEASED = "released"
    COLLECTED = "collected"
    HELD = "held"
    EXPIRED = "expired"
    RETURNED = "returned"
    RETAINED = "retained"
    CANCELLED = "cancelled"


class Flow(StrEnum):
    """The two kinds of station: print ahead into lockers, or print on demand."""

    LOCKER = "locker"
    DISPENSER = "dispenser"


class Action(StrEnum):
    """Operator actions on a job."""

    RETRY = "retry"      # a held job goes back to the stage that failed
    CANCEL = "cancel"    # withdrawn before release (its paper, if any, stays for staff: an alarm tells them)
    REPRINT = "reprint"  # printed again (damaged paper): out of its slot, back to the print queue
    MOVE = "move"        # a staged document to another slot
    EXTEND = "extend"    # the pickup window moved later
    # (issue 22) a released document the station cannot settle by itself (a board without item sensors,
    # the door never seen open): staff open the slot and look, then say what they found.
    CONFIRM_COLLECTED = "confirm_collected"  # the slot (or bin) is empty: the citizen took it
    PAPER_INSIDE = "paper_inside"            # the paper is still there: re-staged (locker), retained (dispenser)
    # (issue 24) a document locked by wrong PINs or codes, released to its citizen after staff checked the KTP.
    HANDOVER = "handover"


class Change(StrEnum):
    """A change the back office sends for a document the station holds (PROTOCOLS.md §7.1)."""

    CORRECTION = "correction"  # the same id under a higher revision: replaces the document
    CONFLICT = "conflict"      # the same id and revision with other content: held for the office
    WITHDRAWAL = "withdrawal"  # the office takes the document back: cancelled
