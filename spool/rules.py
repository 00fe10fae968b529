"""The job rules in one place (DESIGN.md, "Job life"; issue 23): the moves, the named sets, the actions.

Pure data and pure functions: no I/O. The tables are written out in full
and frozen at definition (the table you read is the table in force);
`tests/spool/test_rules_invariants.py` checks them against each other.
`spool.machine` is the only code that applies a move to the spool;
`spool.cancel` the only code that cancels.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from .states import Action, Change, Flow, JobState

S = JobState
_set = frozenset  # short, so each row of a table fits on a line

Table = Mapping[JobState, frozenset[JobState]]

# A locker prints ahead: the paper waits in a slot for its citizen.
_LOCKER: Table = MappingProxyType({
    S.RECEIVED: _set({S.RENDERED, S.HELD, S.CANCELLED}),
    # rendered -> received: a correction (every state before release may go back to received).
    S.RENDERED: _set({S.PRINTING, S.HELD, S.RECEIVED, S.CANCELLED}),
    # printing -> rendered: the printer lost the job (cancelled, cupsd restart)
    # and it goes back to the queue; the reprint is audited.
    S.PRINTING: _set({S.PRINTED, S.RENDERED, S.HELD, S.RECEIVED, S.CANCELLED}),
    # printed/staged -> rendered: a reprint an operator asked for (damaged paper).
    S.PRINTED: _set({S.STAGED, S.RENDERED, S.HELD, S.RECEIVED, S.CANCELLED}),
    S.STAGED: _set({S.RELEASED, S.EXPIRED, S.RENDERED, S.HELD, S.RECEIVED, S.CANCELLED}),
    # released -> staged: the door closed with the paper still inside.
    # released -> held: the latch jammed; staff must look. No cancel: the citizen may have it.
    S.RELEASED: _set({S.COLLECTED, S.STAGED, S.HELD}),
    S.EXPIRED: _set({S.RETURNED}),
    # A retry sends a held job back to the stage that failed; a document held
    # in its slot (a jammed latch) goes back to waiting there.
    S.HELD: _set({S.RECEIVED, S.RENDERED, S.PRINTED, S.STAGED, S.CANCELLED}),
    S.COLLECTED: _set(),
    S.RETURNED: _set(),
    S.RETAINED: _set(),  # a locker retains nothing: its expired paper is returned
    S.CANCELLED: _set(),
})

# A dispenser prints on demand: the citizen's token releases it, then it prints into the bin.
_DISPENSER: Table = MappingProxyType({
    # rendered -> expired: a job never released can run out its pickup window.
    S.RECEIVED: _set({S.RENDERED, S.HELD, S.CANCELLED}),
    S.RENDERED: _set({S.RELEASED, S.EXPIRED, S.HELD, S.RECEIVED, S.CANCELLED}),
    S.RELEASED: _set({S.PRINTING, S.HELD}),
    S.PRINTING: _set({S.PRINTED, S.HELD}),
    # printed -> collected: the bin sensor cleared; -> retained: not taken.
    S.PRINTED: _set({S.COLLECTED, S.RETAINED, S.HELD}),
    S.HELD: _set({S.RECEIVED, S.RENDERED, S.CANCELLED}),
    S.RETAINED: _set({S.RETURNED}),
    S.EXPIRED: _set({S.RETURNED}),
    S.COLLECTED: _set(),
    S.RETURNED: _set(),
    S.CANCELLED: _set(),
    S.STAGED: _set(),  # a dispenser has no slots
})

TRANSITIONS: Mapping[Flow, Table] = MappingProxyType({Flow.LOCKER: _LOCKER, Flow.DISPENSER: _DISPENSER})

# The states each kind uses: a locker retains nothing (expired paper is returned), a dispenser has no slots.
STATES: Mapping[Flow, frozenset[JobState]] = MappingProxyType(
    {Flow.LOCKER: frozenset(JobState) - {S.RETAINED}, Flow.DISPENSER: frozenset(JobState) - {S.STAGED}})
INITIAL = S.RECEIVED
TERMINAL = _set({S.COLLECTED, S.RETURNED, S.CANCELLED})
# The end of a job whose slot is then free; a cancelled document stays in its slot until staff take it out.
FREES_SLOT = _set({S.COLLECTED, S.RETURNED})
# Done with at the station: nothing more happens by itself (retained paper waits for staff to return it).
FINISHED = TERMINAL | {S.RETAINED}

# -- the named sets ----------------------------------------------------------------------------------

# The state a job waits in for its citizen's token (the counter releases only from it).
READY: Mapping[Flow, JobState] = MappingProxyType({Flow.LOCKER: S.STAGED, Flow.DISPENSER: S.RENDERED})
# The states a job waits in for its print.
PRINTABLE: Mapping[Flow, frozenset[JobState]] = MappingProxyType(
    {Flow.LOCKER: _set({S.RENDERED}), Flow.DISPENSER: _set({S.RELEASED})})
# Before the citizen's token releases it: an operator or the back office may still cancel or
# replace it. Paper may exist (a locker prints ahead) but has not been given.
BEFORE_RELEASE: Mapping[Flow, frozenset[JobState]] = MappingProxyType({
    Flow.LOCKER: _set({S.RECEIVED, S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED, S.HELD}),
    Flow.DISPENSER: _set({S.RECEIVED, S.RENDERED, S.HELD}),
})
# Before release with paper printed (or being printed) for it: a cancel or a correction leaves that
# paper to staff. A dispenser prints only after release: none.
PAPER_BEFORE_RELEASE: Mapping[Flow, frozenset[JobState]] = MappingProxyType({
    Flow.LOCKER: _set({S.PRINTING, S.PRINTED, S.STAGED}),
    Flow.DISPENSER: _set(),
})
# A dispenser's job from its release until the bin is settled: the one person being served.
SERVING: Mapping[Flow, frozenset[JobState]] = MappingProxyType({
    Flow.LOCKER: _set({S.RELEASED}),
    Flow.DISPENSER: _set({S.RELEASED, S.PRINTING, S.PRINTED}),
})
# Printed again on an operator's word (damaged paper): a locker's paper waiting for its citizen.
REPRINTABLE: Mapping[Flow, frozenset[JobState]] = MappingProxyType(
    {Flow.LOCKER: _set({S.PRINTED, S.STAGED}), Flow.DISPENSER: _set()})


def allowed(flow: Flow, current: JobState) -> frozenset[JobState]:
    """The states a job of this flow may move to from `current`."""
    return TRANSITIONS[Flow(flow)][JobState(current)]


def is_legal(flow: Flow, current: JobState, target: JobState) -> bool:
    """True when `current -> target` is a legal move for this flow."""
    return JobState(target) in allowed(flow, current)


def reachable(flow: Flow, start: JobState = INITIAL) -> frozenset[JobState]:
    """Every state a job of this flow can reach from `start` (itself included)."""
    seen = {JobState(start)}
    frontier = [JobState(start)]
    while frontier:
        for nxt in TRANSITIONS[Flow(flow)][frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return frozenset(seen)


def _origin(state: JobState, held_from: str | None) -> JobState | None:
    """The state that counts for a rule: a held job's state before it was held (None: unknown)."""
    if JobState(state) is not S.HELD:
        return JobState(state)
    return JobState(held_from) if held_from else None


def before_release(flow: Flow, state: JobState, held_from: str | None = None) -> bool:
    """True while the document has not reached its citizen (it may still be replaced or cancelled)."""
    origin = _origin(state, held_from)
    return origin is None or (origin is not S.HELD and origin in BEFORE_RELEASE[Flow(flow)])


def paper_exists(flow: Flow, state: JobState, held_from: str | None = None) -> bool:
    """True when paper was printed (or is printing) for a job not yet released: staff must pull it."""
    origin = _origin(state, held_from)
    return origin is not None and origin in PAPER_BEFORE_RELEASE[Flow(flow)]


# -- the conflict rule: what a back-office change does, by state (PROTOCOLS §7.1) -------------------------

# Before release a correction sends the job back to `received` (to be rendered again), a conflict holds
# it for the back office, a withdrawal cancels it. After release each is refused and reported `held`.
CHANGE_TARGET: Mapping[Change, JobState] = MappingProxyType(
    {Change.CORRECTION: S.RECEIVED, Change.CONFLICT: S.HELD, Change.WITHDRAWAL: S.CANCELLED})


def change_target(change: Change, flow: Flow, state: JobState, held_from: str | None = None) -> JobState | None:
    """Where a back-office change moves a job now, or None when it is refused (the document was released)."""
    return CHANGE_TARGET[Change(change)] if before_release(flow, state, held_from) else None


# -- what a person may do to a job, by state (read by the daemon, the API and the ops page) ----------

# Where a retry sends a held job, by the state it was held from: back to the
# stage that failed. A printing failure prints again from the rendered PDF. A
# job held after release (jammed latch) or after dispenser printing is not
# retried: the paper may be out in the world; staff decide.
RETRY_TARGET: Mapping[Flow, Mapping[str | None, JobState]] = MappingProxyType({
    Flow.LOCKER: MappingProxyType({None: S.RECEIVED, "received": S.RECEIVED, "rendered": S.RENDERED,
                                   "printing": S.RENDERED, "printed": S.PRINTED}),
    Flow.DISPENSER: MappingProxyType({None: S.RECEIVED, "received": S.RECEIVED, "rendered": S.RENDERED}),
})

# (issue 22) The state staff settle a document from, by flow, and where each finding sends it: a locker's
# released document (the door opened, or may have), a dispenser's presented one (printed into the bin).
SETTLED_BY_STAFF: Mapping[Flow, JobState] = MappingProxyType({Flow.LOCKER: S.RELEASED, Flow.DISPENSER: S.PRINTED})
SETTLE_TARGET: Mapping[Flow, Mapping[Action, JobState]] = MappingProxyType({
    Flow.LOCKER: MappingProxyType({Action.CONFIRM_COLLECTED: S.COLLECTED, Action.PAPER_INSIDE: S.STAGED}),
    Flow.DISPENSER: MappingProxyType({Action.CONFIRM_COLLECTED: S.COLLECTED, Action.PAPER_INSIDE: S.RETAINED}),
})


def retry_target(flow: Flow, state: JobState, held_from: str | None) -> JobState | None:
    """The state a retry moves a job to, or None when it cannot be retried."""
    if JobState(state) is not S.HELD:
        return None
    return RETRY_TARGET[Flow(flow)].get(held_from)


def actions_allowed(flow: Flow, state: JobState, *, held_from: str | None = None,
                    in_slot: bool = False, has_pdf: bool = True, pin_locked: bool = False) -> frozenset[Action]:
    """The operator actions a job in `state` accepts (every one of them is a legal move)."""
    flow, state = Flow(flow), JobState(state)
    found: set[Action] = set()
    if retry_target(flow, state, held_from) is not None:
        found.add(Action.RETRY)
    if state in BEFORE_RELEASE[flow]:
        found.add(Action.CANCEL)
        found.add(Action.EXTEND)  # still waiting for its citizen: the window can move
    if state in REPRINTABLE[flow] and has_pdf:
        found.add(Action.REPRINT)
    if state is READY[flow] and flow is Flow.LOCKER and in_slot:
        found.add(Action.MOVE)
    if state is SETTLED_BY_STAFF[flow]:
        found.update({Action.CONFIRM_COLLECTED, Action.PAPER_INSIDE})
    if state is READY[flow] and pin_locked and (in_slot or flow is Flow.DISPENSER):
        found.add(Action.HANDOVER)  # (issue 24) a release, as a token's: READY -> released
    return frozenset(found)
