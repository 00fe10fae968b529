"""The literal tables in `spool.rules` are the tables that were in force before them (issue 23, point 4).

`_BEFORE` is a frozen copy of what `spool/states.py` computed by mutation
(`_DISPENSER[...] |=` in loops) before the rules module replaced it, printed
from the running code and pasted here. Behaviour is unchanged when the new
literal tables equal it, for both kinds.
"""

from __future__ import annotations

from spool.rules import TRANSITIONS
from spool.states import Flow, JobState

_BEFORE: dict[str, dict[str, set[str]]] = {
    "locker": {
        "RECEIVED": {"CANCELLED", "HELD", "RENDERED"},
        "RENDERED": {"CANCELLED", "HELD", "PRINTING", "RECEIVED"},
        "PRINTING": {"CANCELLED", "HELD", "PRINTED", "RECEIVED", "RENDERED"},
        "PRINTED": {"CANCELLED", "HELD", "RECEIVED", "RENDERED", "STAGED"},
        "STAGED": {"CANCELLED", "EXPIRED", "HELD", "RECEIVED", "RELEASED", "RENDERED"},
        "RELEASED": {"COLLECTED", "HELD", "STAGED"},
        "EXPIRED": {"RETURNED"},
        "HELD": {"CANCELLED", "PRINTED", "RECEIVED", "RENDERED", "STAGED"},
        "COLLECTED": set(),
        "RETURNED": set(),
        "RETAINED": set(),
        "CANCELLED": set(),
    },
    "dispenser": {
        "RECEIVED": {"CANCELLED", "HELD", "RENDERED"},
        "RENDERED": {"CANCELLED", "EXPIRED", "HELD", "RECEIVED", "RELEASED"},
        "RELEASED": {"HELD", "PRINTING"},
        "PRINTING": {"HELD", "PRINTED"},
        "PRINTED": {"COLLECTED", "HELD", "RETAINED"},
        "HELD": {"CANCELLED", "RECEIVED", "RENDERED"},
        "RETAINED": {"RETURNED"},
        "EXPIRED": {"RETURNED"},
        "COLLECTED": set(),
        "RETURNED": set(),
        "CANCELLED": set(),
        "STAGED": set(),
    },
}


def _named(table: dict[JobState, frozenset[JobState]]) -> dict[str, set[str]]:
    return {state.name: {target.name for target in targets} for state, targets in table.items()}


def test_every_kind_has_a_table_of_every_state() -> None:
    assert set(TRANSITIONS) == set(Flow)
    for flow in Flow:
        assert set(TRANSITIONS[flow]) == set(JobState), flow


def test_the_locker_table_is_the_one_in_force_before() -> None:
    assert _named(TRANSITIONS[Flow.LOCKER]) == _BEFORE["locker"]


def test_the_dispenser_table_is_the_one_in_force_before() -> None:
    assert _named(TRANSITIONS[Flow.DISPENSER]) == _BEFORE["dispenser"]


def test_the_tables_cannot_be_changed_after_definition() -> None:
    import pytest

    with pytest.raises(TypeError):
        TRANSITIONS[Flow.DISPENSER][JobState.RENDERED] = frozenset()  # type: ignore[index]
    with pytest.raises(TypeError):
        TRANSITIONS[Flow.LOCKER] = {}  # type: ignore[index]
