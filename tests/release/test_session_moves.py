"""(issue 22) A job that moves during a citizen's session ends that session with its true screen.

The back office withdraws or corrects a document, the expiry timer runs out
its window, or an operator cancels or reprints it, while its citizen stands
at the PIN pad: the counter never tries the illegal move (`cancelled ->
released`), shows where the document is, and an internal error, should one
happen, always raises an alarm naming the job.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from spool import alarms, jobs, machine
from spool.errors import IllegalTransition, SpoolError
from spool.rules import is_legal
from spool.states import Action, JobState
from station import operations
from station.release.kiosk import Screen
from station.release.screens import STATE_REASONS

from patience import wait

from .conftest import Rig, make_rig, stop_rig

PIN = "4821"


def _alarms(rig: Rig, kind: str) -> list[alarms.Alarm]:
    conn = rig.conn
    try:
        return [a for a in alarms.list_alarms(conn, open_only=True) if a.kind == kind]
    finally:
        conn.close()


def _move(rig: Rig, job_id: str, target: str, actor: str = "system") -> None:
    conn = rig.conn
    try:
        machine.transition(conn, job_id, target, actor=actor)
    finally:
        conn.close()


def test_withdrawal_at_the_pin_pad_says_cancelled_and_opens_nothing(rig: Rig) -> None:
    rig.stage("AKTA-W", "A-1-03", pin=PIN)
    asked = rig.scan(rig.token("AKTA-W", pin=True))
    assert asked.screen is Screen.PIN
    _move(rig, "AKTA-W", "cancelled")
    # The pad does not wait for a PIN that can no longer release anything: the kiosk says why.
    wait(lambda: rig.counter.view.reason == "cancelled", what="the cancelled screen")
    view = rig.counter.enter_pin(asked.session, PIN).result(timeout=10)
    assert view.reason != "internal" and view.screen is not Screen.OPEN
    assert rig.state("AKTA-W") == "cancelled"
    assert rig.sim.unlock_count("A-1-03") == 0
    assert not _alarms(rig, "internal_error")


def test_a_move_between_the_pin_check_and_the_release_is_refused_in_the_release(rig: Rig) -> None:
    """The race the pad's own look cannot close: the release asks again inside its transaction."""
    rig.stage("AKTA-X", "A-1-04", pin=PIN)
    asked = rig.scan(rig.token("AKTA-X", pin=True))
    pins = rig.counter.pins
    original = pins.check

    def check_then_expire(session: Any, pin: str) -> Any:
        result = original(session, pin)
        _move(rig, "AKTA-X", "expired", actor="system")  # the expiry timer, right after the PIN was right
        return result

    pins.check = check_then_expire  # type: ignore[method-assign]
    try:
        view = rig.counter.enter_pin(asked.session, PIN).result(timeout=10)
    finally:
        pins.check = original  # type: ignore[method-assign]
    assert view.reason == "expired", view
    assert rig.sim.unlock_count("A-1-04") == 0
    assert not _alarms(rig, "internal_error")


def test_an_internal_error_raises_an_alarm_naming_the_job(rig: Rig) -> None:
    rig.stage("AKTA-E", "A-1-05")

    def broken(session: Any) -> Any:
        raise SpoolError(f"job {session.job_id}: the spool refused")

    rig.counter.flow.release = broken  # type: ignore[method-assign]
    view = rig.scan(rig.token("AKTA-E"))
    assert view.reason == "internal"
    raised = _alarms(rig, "internal_error")
    assert [a.job_id for a in raised] == ["AKTA-E"]
    assert "SpoolError" in raised[0].message and raised[0].severity == "critical"


# -- interleavings -------------------------------------------------------------------------------

DOCS = {f"DOC-{n}": f"A-1-{n + 1:02d}" for n in range(3)}
_TRUE_SCREENS = set(STATE_REASONS) | {"pin_required", "pin_locked", "unknown_document"}


class SessionMachine(RuleBasedStateMachine):
    """Office changes, timers and operator actions against a citizen's scan, PIN and door."""

    @initialize()
    def build(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="session-sm-"))
        self.rig: Rig = make_rig(self.tmp, auto_close=None)
        for doc, slot in DOCS.items():
            self.rig.stage(doc, slot, pin=PIN)
        self.pending: tuple[str, str] | None = None  # (doc, session) at the pad
        self.locked: set[str] = set()  # documents whose PIN was wrong too often: they go to staff
        self.illegal: list[str] = []
        original = machine.transition

        def watched(conn: Any, job_id: str, target: Any, **kw: Any) -> Any:
            try:
                return original(conn, job_id, target, **kw)
            except IllegalTransition as err:
                self.illegal.append(str(err))
                raise

        self._restore = lambda: setattr(machine, "transition", original)
        machine.transition = watched  # type: ignore[assignment]

    def teardown(self) -> None:
        if hasattr(self, "rig"):
            self._restore()
            stop_rig(self.rig)
            shutil.rmtree(self.tmp, ignore_errors=True)

    def _state(self, doc: str) -> JobState:
        return JobState(self.rig.state(doc))

    @precondition(lambda self: self.pending is None)
    @rule(doc=st.sampled_from(sorted(DOCS)))
    def scan(self, doc: str) -> None:
        before = self._state(doc)
        view = self.rig.scan(self.rig.token(doc, pin=True))
        if before is JobState.STAGED and doc in self.locked:
            assert view.screen is Screen.PIN or view.reason == "pin_locked", view
            self.pending = (doc, view.session) if view.screen is Screen.PIN else None
        elif before is JobState.STAGED:
            assert view.screen is Screen.PIN, view
            self.pending = (doc, view.session)
        else:
            assert view.reason in _TRUE_SCREENS, view

    @precondition(lambda self: self.pending is not None)
    @rule(right=st.booleans())
    def enter_pin(self, right: bool) -> None:
        doc, session = self.pending  # type: ignore[misc]
        before = self._state(doc)
        view = self.rig.counter.enter_pin(session, PIN if right else "0000").result(timeout=10)
        if before is JobState.STAGED and right:
            assert view.screen in (Screen.OPEN, Screen.ASK_STAFF), view
            self.pending = None
        elif before is JobState.STAGED:
            assert view.screen is Screen.PIN or view.reason == "pin_locked", view
            if view.reason == "pin_locked":
                self.locked.add(doc)
                self.pending = None
        else:
            assert view.reason in _TRUE_SCREENS, view
            self.pending = None

    @rule(doc=st.sampled_from(sorted(DOCS)), change=st.sampled_from(["cancelled", "received", "expired"]))
    def office_or_timer(self, doc: str, change: str) -> None:
        """A withdrawal, a correction (back to received) or the expiry timer."""
        conn = self.rig.conn
        try:
            job = jobs.get_job(conn, doc)
            if change == "expired" and job.state is not JobState.STAGED:
                return
            if is_legal(job.flow, job.state, JobState(change)):
                machine.transition(conn, doc, change, actor="system")
        finally:
            conn.close()

    @rule(doc=st.sampled_from(sorted(DOCS)), action=st.sampled_from([Action.CANCEL, Action.REPRINT]))
    def operator(self, doc: str, action: Action) -> None:
        conn = self.rig.conn
        try:
            job = jobs.get_job(conn, doc)
            if action not in operations.allowed(job):
                return
            if action is Action.CANCEL:
                operations.cancel(conn, doc, actor="operator:rina", reason="withdrawn at the desk")
            else:
                operations.reprint(conn, doc, actor="operator:rina")
                self.rig.sim.take_item(DOCS[doc])
        finally:
            conn.close()

    @rule(doc=st.sampled_from(sorted(DOCS)))
    def citizen_at_door(self, doc: str) -> None:
        slot = DOCS[doc]
        if not self.rig.sim.door_open(slot):
            return
        self.rig.sim.take_item(slot)
        self.rig.sim.close_door(slot)
        wait(lambda: self._state(doc) is not JobState.RELEASED, what=f"{doc} settled")

    @invariant()
    def no_illegal_move_and_no_internal_error(self) -> None:
        if not hasattr(self, "rig"):
            return
        assert not self.illegal, self.illegal
        assert self.rig.counter.view.reason != "internal", self.rig.counter.view
        assert not _alarms(self.rig, "internal_error")


SessionMachine.TestCase.settings = settings(max_examples=12, stateful_step_count=14, deadline=None)
test_session_state_machine = SessionMachine.TestCase

