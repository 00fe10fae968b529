"""The job rules hold together (issue 23, point 4): the tables of both kinds, the named sets, the actions.

Each test reads `spool.rules` only: a table or a set edited on its own,
out of step with the rest, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spool.rules import (BEFORE_RELEASE, FINISHED, FREES_SLOT, INITIAL, PAPER_BEFORE_RELEASE, PRINTABLE, READY, REPRINTABLE,
                         RETRY_TARGET, SERVING, SETTLE_TARGET, SETTLED_BY_STAFF, STATES, TERMINAL, TRANSITIONS,
                         actions_allowed, allowed, before_release, change_target, is_legal, reachable,
                         retry_target)
from spool.states import Action, Change, Flow, JobState

S = JobState
ROOT = Path(__file__).resolve().parents[2]
KINDS = pytest.mark.parametrize("flow", list(Flow))


# -- the tables --------------------------------------------------------------------------------------

@KINDS
def test_every_state_of_the_kind_is_reachable_from_the_start(flow: Flow) -> None:
    assert reachable(flow) == STATES[flow]


@KINDS
def test_a_state_the_kind_does_not_use_has_no_move_in_or_out(flow: Flow) -> None:
    unused = set(JobState) - STATES[flow]
    assert unused == ({S.RETAINED} if flow is Flow.LOCKER else {S.STAGED})
    for state in unused:
        assert allowed(flow, state) == frozenset()
        assert all(state not in targets for targets in TRANSITIONS[flow].values())


@KINDS
def test_terminal_states_have_no_exits_and_are_the_only_dead_ends(flow: Flow) -> None:
    for state in TERMINAL:
        assert allowed(flow, state) == frozenset(), state
    assert {s for s in STATES[flow] if not allowed(flow, s)} == TERMINAL


@KINDS
def test_every_state_can_reach_a_terminal_one(flow: Flow) -> None:
    for state in STATES[flow]:
        assert reachable(flow, state) & TERMINAL, state


@KINDS
def test_no_state_moves_to_itself_and_nothing_moves_back_to_a_fresh_start_after_release(flow: Flow) -> None:
    for state in JobState:
        assert state not in allowed(flow, state), state
    for state in STATES[flow] - BEFORE_RELEASE[flow]:
        assert S.RECEIVED not in allowed(flow, state), state  # a correction after release is refused


def test_finished_is_terminal_and_retained_paper() -> None:
    assert FINISHED == TERMINAL | {S.RETAINED}
    assert FREES_SLOT == TERMINAL - {S.CANCELLED}  # cancelled paper stays in its slot for staff
    assert INITIAL is S.RECEIVED


# -- the named sets agree with the tables -------------------------------------------------------------

@KINDS
def test_printable_states_move_to_printing(flow: Flow) -> None:
    assert PRINTABLE[flow]
    for state in PRINTABLE[flow]:
        assert is_legal(flow, state, S.PRINTING), state
    # and nothing else starts a print (a reprint goes back to a printable state first)
    assert {s for s in STATES[flow] if S.PRINTING in allowed(flow, s)} == PRINTABLE[flow]


@KINDS
def test_the_ready_state_is_released_by_a_token_or_expires(flow: Flow) -> None:
    ready = READY[flow]
    assert is_legal(flow, ready, S.RELEASED) and is_legal(flow, ready, S.EXPIRED)
    assert {s for s in STATES[flow] - {S.RELEASED} if S.RELEASED in allowed(flow, s)} == {ready}
    assert ready in BEFORE_RELEASE[flow]


@KINDS
def test_before_release_is_exactly_where_a_cancel_is_legal(flow: Flow) -> None:
    assert BEFORE_RELEASE[flow] == {s for s in JobState if is_legal(flow, s, S.CANCELLED)}
    for state in BEFORE_RELEASE[flow] - {S.HELD}:
        assert is_legal(flow, state, S.HELD), state  # a conflict holds it
        assert state is S.RECEIVED or is_legal(flow, state, S.RECEIVED), state  # a correction replaces it
    assert not BEFORE_RELEASE[flow] & SERVING[flow]
    assert S.RELEASED in SERVING[flow] and S.RELEASED not in BEFORE_RELEASE[flow]


@KINDS
def test_paper_before_release_follows_the_print(flow: Flow) -> None:
    paper = PAPER_BEFORE_RELEASE[flow]
    assert paper <= BEFORE_RELEASE[flow]
    # A kind that prints before release has paper from `printing` on; one that prints after has none.
    assert (S.PRINTING in paper) == (S.PRINTING in BEFORE_RELEASE[flow])
    # Paper stays paper until it is released, reprinted, corrected, held or cancelled.
    takes_it_away = {S.RENDERED, S.RECEIVED, S.HELD, S.CANCELLED}
    for state in paper:
        for nxt in allowed(flow, state) - takes_it_away:
            assert nxt in paper or nxt not in BEFORE_RELEASE[flow], (state, nxt)


@KINDS
def test_serving_is_what_follows_release_until_the_paper_is_settled(flow: Flow) -> None:
    assert SERVING[flow] <= STATES[flow] - TERMINAL
    assert SETTLED_BY_STAFF[flow] in SERVING[flow]


# -- the actions and the conflict rule ---------------------------------------------------------------

@KINDS
def test_retry_targets_are_legal_from_held_and_come_from_states_that_can_be_held(flow: Flow) -> None:
    for held_from, target in RETRY_TARGET[flow].items():
        assert is_legal(flow, S.HELD, target), (held_from, target)
        if held_from is not None:
            assert is_legal(flow, S(held_from), S.HELD), held_from
            assert S(held_from) in BEFORE_RELEASE[flow]  # after release staff decide: no retry


@KINDS
def test_settling_moves_are_legal(flow: Flow) -> None:
    for target in SETTLE_TARGET[flow].values():
        assert is_legal(flow, SETTLED_BY_STAFF[flow], target)


def _move_of(flow: Flow, state: JobState, action: Action, held_from: str | None) -> JobState | None:
    """The state an action moves a job to (None: it annotates, no move)."""
    if action is Action.RETRY:
        return retry_target(flow, state, held_from)
    if action is Action.CANCEL:
        return S.CANCELLED
    if action is Action.REPRINT:
        return S.RENDERED
    if action in (Action.CONFIRM_COLLECTED, Action.PAPER_INSIDE):
        return SETTLE_TARGET[flow][action]
    return None  # a move to another slot, an extension: the state stays


def _check_actions(flow: Flow, state: JobState, held_from: str | None, in_slot: bool, has_pdf: bool) -> None:
    found = actions_allowed(flow, state, held_from=held_from, in_slot=in_slot, has_pdf=has_pdf)
    for action in found:
        target = _move_of(flow, state, action, held_from)
        assert target is None or is_legal(flow, state, target), (flow, state, action)
    assert (Action.CANCEL in found) == (state in BEFORE_RELEASE[flow])
    assert (Action.REPRINT in found) == (state in REPRINTABLE[flow] and has_pdf)
    if Action.MOVE in found:
        assert state is READY[flow] and in_slot


def _check_change(flow: Flow, state: JobState, held_from: str | None) -> None:
    for change in Change:
        target = change_target(change, flow, state, held_from)
        assert (target is not None) == before_release(flow, state, held_from), (flow, state, change)
        if target is None or target is state:
            continue  # refused; or a correction of a received job, a conflict of a held one: no move needed
        assert is_legal(flow, state, target), (flow, state, change)


@KINDS
def test_every_action_offered_in_every_state_is_a_legal_move(flow: Flow) -> None:
    for state in JobState:
        for held_from in (None, *(s.value for s in JobState if is_legal(flow, s, S.HELD))):
            for in_slot in (False, True):
                for has_pdf in (False, True):
                    _check_actions(flow, state, held_from if state is S.HELD else None, in_slot, has_pdf)


@KINDS
def test_the_conflict_rule_applies_before_release_and_refuses_after(flow: Flow) -> None:
    for state in JobState:
        held_froms = [None, *(s.value for s in JobState if is_legal(flow, s, S.HELD))] if state is S.HELD else [None]
        for held_from in held_froms:
            _check_change(flow, state, held_from)
    assert change_target(Change.WITHDRAWAL, flow, READY[flow]) is S.CANCELLED
    assert change_target(Change.CORRECTION, flow, S.RELEASED) is None
    assert change_target(Change.CONFLICT, flow, S.HELD, "released") is None


# -- random walks of the machine ------------------------------------------------------------------

@settings(max_examples=200)
@given(flow=st.sampled_from(list(Flow)), choices=st.lists(st.integers(min_value=0, max_value=10**6), max_size=40),
       in_slot=st.booleans(), has_pdf=st.booleans())
def test_a_random_walk_offers_only_legal_actions_and_can_always_finish(
        flow: Flow, choices: list[int], in_slot: bool, has_pdf: bool) -> None:
    state, held_from = INITIAL, None
    for choice in choices:
        assert state in STATES[flow]
        _check_actions(flow, state, held_from, in_slot, has_pdf)
        _check_change(flow, state, held_from)
        assert reachable(flow, state) & TERMINAL
        exits = sorted(allowed(flow, state))
        if not exits:
            assert state in TERMINAL
            break
        nxt = exits[choice % len(exits)]
        held_from = state.value if nxt is S.HELD else None
        state = nxt


# -- the tables are literal ------------------------------------------------------------------------

def _module(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text())


def test_the_rules_module_never_changes_a_table_after_defining_it() -> None:
    for node in ast.walk(_module("spool/rules.py")):
        assert not isinstance(node, ast.AugAssign), f"line {node.lineno}: a table changed in place"
        assert not isinstance(node, (ast.For, ast.While)) or not any(
            isinstance(inner, (ast.Assign, ast.AugAssign)) and any(
                isinstance(t, ast.Subscript) for t in getattr(inner, "targets", [getattr(inner, "target", None)]))
            for inner in ast.walk(node)), f"line {node.lineno}: a table built in a loop"
        if isinstance(node, ast.Assign):
            assert not any(isinstance(t, ast.Subscript) for t in node.targets), f"line {node.lineno}: a table patched"


def test_the_states_module_holds_only_the_enums() -> None:
    tree = _module("spool/states.py")
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    assert classes == {"JobState", "Flow", "Action", "Change"}
    assert not [node for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign, ast.FunctionDef))]


def _state_sets(path: Path) -> list[int]:
    """Lines that write out a set (or tuple) of two or more job states: a rule restated outside `spool.rules`."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.Set, ast.Tuple, ast.List)):
            named = [e for e in node.elts if isinstance(e, ast.Attribute) and isinstance(e.value, ast.Name)
                     and e.value.id in ("JobState", "S")]
            if len(named) >= 2:
                found.append(node.lineno)
    return found


# Left for now: spool/machine.py belongs to another change this session (issue 23, the outbox in
# `machine.transition`); its `_FREES_SLOT` is to become `rules.FREES_SLOT` when that change has landed.
_LEFT = {"spool/machine.py"}


def test_no_set_of_states_is_written_out_in_the_station_or_the_spool() -> None:
    offenders = {name: lines for folder in ("station", "spool")
                 for path in sorted((ROOT / folder).rglob("*.py"))
                 if (name := str(path.relative_to(ROOT))) not in _LEFT | {"spool/rules.py"}
                 and (lines := _state_sets(path))}
    assert offenders == {}, f"name the set in spool/rules.py instead: {offenders}"


def test_only_spool_cancel_moves_a_job_to_cancelled() -> None:
    offenders = []
    for folder in ("station", "spool"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path.name == "cancel.py" and path.parent.name == "spool":
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "transition" and any(
                            isinstance(a, ast.Attribute) and a.attr == "CANCELLED" for a in node.args)):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], f"cancel through spool.cancel.cancel (it raises the paper alarm): {offenders}"


def test_rules_is_the_one_place_the_station_reads_a_state_set_from() -> None:
    from station.printing import recovery
    from station.release import dispenser

    assert recovery.PRINTABLE is PRINTABLE
    assert dispenser._GOING is SERVING[Flow.DISPENSER]
