"""Stateful property test: random legal and illegal moves against the real spool."""

from __future__ import annotations

import sqlite3
import tempfile
from pathlib import Path

import hypothesis.strategies as st
import pytest
from hypothesis import settings
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import spool
from spool import audit, jobs, machine
from spool.rules import allowed, is_legal, reachable
from spool.states import Flow, JobState

ACTORS = ["system", "citizen", "operator:ayu", "technician:budi"]


class SpoolMachine(RuleBasedStateMachine):
    """A model of job states beside the spool; both must always agree."""

    @initialize(flow=st.sampled_from(list(Flow)))
    def open_spool(self, flow: Flow) -> None:
        self.folder = tempfile.TemporaryDirectory()
        self.conn = spool.connect(Path(self.folder.name) / "spool.db", create=True)
        self.flow = flow
        self.model: dict[str, JobState] = {}

    def teardown(self) -> None:
        if hasattr(self, "conn"):
            self.conn.close()
            self.folder.cleanup()

    @rule(number=st.integers(0, 5))
    def receive(self, number: int) -> None:
        job_id = f"DOC-{number}"
        if job_id in self.model:
            with pytest.raises(spool.DuplicateJob):
                machine.create_job(self.conn, job_id, flow=self.flow, template="akta-kelahiran",
                                   template_version=3)
            return
        machine.create_job(self.conn, job_id, flow=self.flow, template="akta-kelahiran", template_version=3)
        self.model[job_id] = JobState.RECEIVED

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), to=st.sampled_from(list(JobState)), actor=st.sampled_from(ACTORS))
    def move(self, data: st.DataObject, to: JobState, actor: str) -> None:
        """Any move at all: legal ones happen, illegal ones change nothing."""
        job_id = data.draw(st.sampled_from(sorted(self.model)))
        self._attempt(job_id, to, actor)

    @precondition(lambda self: any(allowed(self.flow, s) for s in self.model.values()))
    @rule(data=st.data(), actor=st.sampled_from(ACTORS))
    def legal_move(self, data: st.DataObject, actor: str) -> None:
        """A legal move, so that runs reach deep into the job life."""
        movable = sorted(j for j, s in self.model.items() if allowed(self.flow, s))
        job_id = data.draw(st.sampled_from(movable))
        to = data.draw(st.sampled_from(sorted(allowed(self.flow, self.model[job_id]))))
        self._attempt(job_id, to, actor)

    def _attempt(self, job_id: str, target: JobState, actor: str) -> None:
        current = self.model[job_id]
        before = audit.head(self.conn)
        reason = "media-jam" if target is JobState.HELD else None
        if is_legal(self.flow, current, target):
            job = machine.transition(self.conn, job_id, target, actor=actor, reason=reason)
            assert job.state is target
            self.model[job_id] = target
            assert audit.head(self.conn)[0] == before[0] + 1
        else:
            with pytest.raises(spool.IllegalTransition):
                machine.transition(self.conn, job_id, target, actor=actor, reason=reason)
            # Nothing changed: no audit row, same state.
            assert audit.head(self.conn) == before
            assert jobs.get_job(self.conn, job_id).state is current

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def hold_without_reason_is_refused(self, data: st.DataObject) -> None:
        job_id = data.draw(st.sampled_from(sorted(self.model)))
        before = audit.head(self.conn)
        with pytest.raises(spool.SpoolError):
            machine.transition(self.conn, job_id, JobState.HELD, actor="system")
        assert audit.head(self.conn) == before

    @rule(job_id=st.text(min_size=1, max_size=8).filter(lambda s: not s.startswith("DOC-")))
    def unknown_job_is_refused(self, job_id: str) -> None:
        before = audit.head(self.conn)
        with pytest.raises(spool.SpoolError):
            machine.transition(self.conn, job_id, JobState.RENDERED, actor="system")
        assert audit.head(self.conn) == before

    @invariant()
    def spool_agrees_with_model(self) -> None:
        if not hasattr(self, "conn"):
            return
        legal = reachable(self.flow)
        for job in jobs.list_jobs(self.conn, limit=100):
            assert job.state is self.model[job.id]
            assert job.state in legal
            assert (job.held_reason is not None) == (job.state is JobState.HELD)

    @invariant()
    def chain_verifies(self) -> None:
        if hasattr(self, "conn"):
            verdict = audit.verify(self.conn)
            assert verdict.ok, verdict.reason


SpoolMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
test_spool_state_machine = SpoolMachine.TestCase


def test_direct_sql_cannot_store_an_unknown_state(tmp_path: Path) -> None:
    """The schema itself refuses a state outside the job life."""
    conn = spool.connect(tmp_path / "s.db", create=True)
    machine.create_job(conn, "D1", flow=Flow.LOCKER, template="t", template_version=1)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("UPDATE jobs SET state = 'teleported' WHERE id = 'D1'")
