"""Job states and the legal moves between them (DESIGN.md, "Job life").

Pure data: no I/O. `spool.machine` is the only code that applies these moves
to the spool.
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


S = JobState

# States a job passes before the citizen's token releases it: an operator or
# the back office may still cancel it.
_BEFORE_RELEASE_LOCKER = (S.RECEIVED, S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED, S.HELD)
_BEFORE_RELEASE_DISPENSER = (S.RECEIVED, S.RENDERED, S.HELD)

_LOCKER: dict[JobState, frozenset[JobState]] = {
    S.RECEIVED: frozenset({S.RENDERED, S.HELD}),
    S.RENDERED: frozenset({S.PRINTING, S.HELD}),
    # printing -> rendered: the printer lost the job (cancelled, cupsd
    # restart) and it goes back to the queue; the reprint is audited.
    S.PRINTING: frozenset({S.PRINTED, S.RENDERED, S.HELD}),
    # printed/staged -> rendered: a reprint an operator asked for (damaged paper).
    S.PRINTED: frozenset({S.STAGED, S.HELD, S.RENDERED}),
    S.STAGED: frozenset({S.RELEASED, S.EXPIRED, S.RENDERED}),
    # released -> staged: the door closed with the paper still inside.
    # released -> held: the latch jammed; staff must look.
    S.RELEASED: frozenset({S.COLLECTED, S.STAGED, S.HELD}),
    S.EXPIRED: frozenset({S.RETURNED}),
    # A retry sends a held job back to the stage that failed; a document held
    # in its slot (a jammed latch) goes back to waiting there.
    S.HELD: frozenset({S.RECEIVED, S.RENDERED, S.PRINTED, S.STAGED}),
    S.COLLECTED: frozenset(),
    S.RETURNED: frozenset(),
    S.RETAINED: frozenset(),
    S.CANCELLED: frozenset(),
}

_DISPENSER: dict[JobState, frozenset[JobState]] = {
    S.RECEIVED: frozenset({S.RENDERED, S.HELD}),
    S.RENDERED: frozenset({S.RELEASED, S.HELD}),
    S.RELEASED: frozenset({S.PRINTING, S.HELD}),
    S.PRINTING: frozenset({S.PRINTED, S.HELD}),
    # printed -> collected: the bin sensor cleared; -> retained: not taken.
    S.PRINTED: frozenset({S.COLLECTED, S.RETAINED, S.HELD}),
    S.HELD: frozenset({S.RECEIVED, S.RENDERED}),
    S.RETAINED: frozenset({S.RETURNED}),
    S.EXPIRED: frozenset({S.RETURNED}),
    S.COLLECTED: frozenset(),
    S.RETURNED: frozenset(),
    S.CANCELLED: frozenset(),
    S.STAGED: frozenset(),
}
# A dispenser job that was never released can run out its pickup window.
_DISPENSER[S.RENDERED] = _DISPENSER[S.RENDERED] | {S.EXPIRED}

# Before release the back office may withdraw a document (cancelled) or
# correct it (back to received, to be rendered again); a conflict holds it.
for _table, _states in ((_LOCKER, _BEFORE_RELEASE_LOCKER), (_DISPENSER, _BEFORE_RELEASE_DISPENSER)):
    for _state in _states:
        _table[_state] = _table[_state] | {S.CANCELLED}
        if _state is not S.HELD:
            _table[_state] = _table[_state] | {S.HELD}
        if _state is not S.RECEIVED:
            _table[_state] = _table[_state] | {S.RECEIVED}

TRANSITIONS: dict[Flow, dict[JobState, frozenset[JobState]]] = {
    Flow.LOCKER: _LOCKER,
    Flow.DISPENSER: _DISPENSER,
}

INITIAL = S.RECEIVED
TERMINAL = frozenset({S.COLLECTED, S.RETURNED, S.CANCELLED})


def allowed(flow: Flow, current: JobState) -> frozenset[JobState]:
    """The states a job of this flow may move to from `current`."""
    return TRANSITIONS[Flow(flow)][JobState(current)]


def is_legal(flow: Flow, current: JobState, target: JobState) -> bool:
    """True when `current -> target` is a legal move for this flow."""
    return JobState(target) in allowed(flow, current)


def reachable(flow: Flow) -> frozenset[JobState]:
    """Every state a job of this flow can reach from `received`."""
    seen = {INITIAL}
    frontier = [INITIAL]
    while frontier:
        for nxt in TRANSITIONS[flow][frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return frozenset(seen)


# -- what a person may do to a job, by state (read by the daemon, the API and the ops page) ----------

class Action(StrEnum):
    """Operator actions on a job."""

    RETRY = "retry"      # a held job goes back to the stage that failed
    CANCEL = "cancel"    # withdrawn before release (its paper, if any, stays for staff)
    REPRINT = "reprint"  # printed again (damaged paper): out of its slot, back to the print queue
    MOVE = "move"        # a staged document to another slot
    EXTEND = "extend"    # the pickup window moved later
    # (issue 22) a released document the station cannot settle by itself (a board without item sensors,
    # the door never seen open): staff open the slot and look, then say what they found.
    CONFIRM_COLLECTED = "confirm_collected"  # the slot (or bin) is empty: the citizen took it
    PAPER_INSIDE = "paper_inside"            # the paper is still there: re-staged (locker), retained (dispenser)


# Where a retry sends a held job, by the state it was held from: back to the
# stage that failed. A printing failure prints again from the rendered PDF. A
# job held after release (jammed latch) or after dispenser printing is not
# retried: the paper may be out in the world; staff decide.
RETRY_TARGET: dict[Flow, dict[str | None, JobState]] = {
    Flow.LOCKER: {None: S.RECEIVED, "received": S.RECEIVED, "rendered": S.RENDERED,
                  "printing": S.RENDERED, "printed": S.PRINTED},
    Flow.DISPENSER: {None: S.RECEIVED, "received": S.RECEIVED, "rendered": S.RENDERED},
}
_REPRINTABLE = frozenset({S.PRINTED, S.STAGED})


def retry_target(flow: Flow, state: JobState, held_from: str | None) -> JobState | None:
    """The state a retry moves a job to, or None when it cannot be retried."""
    if JobState(state) is not S.HELD:
        return None
    return RETRY_TARGET[Flow(flow)].get(held_from)


def actions_allowed(flow: Flow, state: JobState, *, held_from: str | None = None,
                    in_slot: bool = False, has_pdf: bool = True) -> frozenset[Action]:
    """The operator actions a job in `state` accepts (every one of them is a legal move)."""
    flow, state = Flow(flow), JobState(state)
    found = set()
    if retry_target(flow, state, held_from) is not None:
        found.add(Action.RETRY)
    if is_legal(flow, state, S.CANCELLED):
        found.add(Action.CANCEL)
        found.add(Action.EXTEND)  # still waiting for its citizen: the window can move
    if flow is Flow.LOCKER and state in _REPRINTABLE and has_pdf:
        found.add(Action.REPRINT)
    if flow is Flow.LOCKER and state is S.STAGED and in_slot:
        found.add(Action.MOVE)
    if state is SETTLED_BY_STAFF.get(flow):
        found |= {Action.CONFIRM_COLLECTED, Action.PAPER_INSIDE}
    return frozenset(found)


# (issue 22) The state staff settle a document from, by flow, and where each finding sends it: a locker's
# released document (the door opened, or may have), a dispenser's presented one (printed into the bin).
SETTLED_BY_STAFF: dict[Flow, JobState] = {Flow.LOCKER: S.RELEASED, Flow.DISPENSER: S.PRINTED}
SETTLE_TARGET: dict[Flow, dict[Action, JobState]] = {
    Flow.LOCKER: {Action.CONFIRM_COLLECTED: S.COLLECTED, Action.PAPER_INSIDE: S.STAGED},
    Flow.DISPENSER: {Action.CONFIRM_COLLECTED: S.COLLECTED, Action.PAPER_INSIDE: S.RETAINED},
}
