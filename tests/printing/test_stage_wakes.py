"""(issue 27) The print stage learns of a release by an event, not by its poll; the spool stays the truth.

The stage's poll is set to an hour: a released document that reaches the
printer did so because the release's event woke the stage. The order is
asserted (the stage slept, the release was committed, the woken step
submitted it), never a duration. A job released where no event of this
process can announce it (another process) is still found, by the poll.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

import spool
from spool import machine
from spool.states import Flow, JobState
from station.events import Bell, Event, EventBus
from station.printing.settings import StageSettings
from station.printing.stage import PrintStage

from patience import wait

from .conftest import actions, states

AN_HOUR = 3600.0


class CountedStage(PrintStage):
    """The stage, counting its steps and noting what the spool held when each began."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.steps: list[str] = []  # the job's state as each step began
        self.watched = ""
        self.stepped = threading.Condition()

    def step(self):
        began = states(self.conn).get(self.watched, "absent")
        report = super().step()
        with self.stepped:
            self.steps.append(began)
            self.stepped.notify_all()
        return report


@pytest.fixture
def bus():
    """The daemon's wiring: every committed job change of this process is a `job` event on the bus."""
    events = EventBus()
    unsubscribe = machine.subscribe(lambda event: events.publish("job", event.as_dict()))
    yield events
    unsubscribe()


def _stage(tmp_path: Path, sim, bus: EventBus | None, poll: float) -> CountedStage:
    stage = CountedStage(spool.connect(tmp_path / "spool.db"), sim, StageSettings(poll_seconds=poll))
    stage.watched = "disp-1"
    if bus is not None:
        stage.listen(bus)
    return stage


def test_a_release_wakes_the_stage_which_submits_it_in_the_step_it_wakes(conn, add_job, sim, bus, tmp_path):
    add_job("disp-1", flow=Flow.DISPENSER, released=False)  # rendered, waiting for its citizen
    stage = _stage(tmp_path, sim, bus, AN_HOUR)
    stage.start()
    try:
        wait(lambda: len(stage.steps) == 1, what="the stage's first step")  # now it sleeps for an hour
        machine.transition(conn, "disp-1", JobState.RELEASED, actor="citizen")
        wait(lambda: states(conn)["disp-1"] in ("printing", "printed"), timeout=30,
             what="the released document submitted (the poll is an hour: only the event can have woken it)")
        with stage.stepped:
            # The first step saw it waiting for its citizen; the one the release woke submitted it.
            assert stage.steps[:2] == ["rendered", "released"]
    finally:
        stage.stop()
        stage.conn.close()
    trail = actions(conn, "disp-1")
    assert trail.index("job.released") < trail.index("print.submitting")


def test_the_stage_ignores_its_own_changes_and_stops_at_once(conn, add_job, sim, tmp_path):
    """Its own `printing`/`printed` ring nothing; anything else does; `stop()` wakes it from an hour's sleep."""
    stage = _stage(tmp_path, sim, None, AN_HOUR)
    for state, rings in (("printing", False), ("printed", False), ("released", True), ("rendered", True),
                         ("cancelled", True), ("collected", True)):
        stage.wake_on_job(Event(1, "job", {"job": "disp-1", "state": state}))
        assert stage.bell.wait(0) is rings, state
    stage.start()
    wait(lambda: len(stage.steps) >= 1, what="the first step")
    thread = stage._thread
    stage.stop()
    assert thread is not None and not thread.is_alive()
    stage.conn.close()


def test_at_a_dispenser_the_bins_sensor_wakes_the_stage(sim, tmp_path, conn):
    """The paper in the bin: the stage judges it printed at once (the citizen sees it presented)."""
    events = EventBus()
    stage = _stage(tmp_path, sim, None, AN_HOUR)
    stop = stage.listen(events, bin_slot="D-1-01")
    events.publish("slot", {"slot": "A-1-02", "item": "present"})
    assert stage.bell.wait(0) is False, "another slot's sensor"
    events.publish("slot", {"slot": "D-1-01", "item": "present"})
    assert stage.bell.wait(0) is True
    stop()
    events.publish("slot", {"slot": "D-1-01", "item": "absent"})
    assert stage.bell.wait(0) is False, "no longer listening"
    stage.conn.close()


def test_a_ring_while_the_stage_works_is_kept_for_its_next_wait() -> None:
    bell = Bell()
    bell.ring()  # rung while nobody waits (the stage is at a step)
    assert bell.wait(AN_HOUR) is True
    assert bell.wait(0) is False, "one ring wakes once"


def test_the_bus_calls_its_listeners_in_the_publishers_thread_and_survives_a_bad_one() -> None:
    events = EventBus()
    heard: list[tuple[str, str]] = []
    events.listen("job", lambda e: 1 / 0)
    stop = events.listen("job", lambda e: heard.append((e.data["job"], threading.current_thread().name)))
    events.publish("job", {"job": "a"})
    events.publish("slot", {"job": "not a job event"})
    stop()
    events.publish("job", {"job": "b"})
    assert heard == [("a", threading.current_thread().name)]


@pytest.mark.integration
def test_a_job_released_by_another_process_is_found_by_the_safety_poll(conn, add_job, sim, bus, tmp_path):
    """No event of this process announces it: the poll (short here) finds it in the spool."""
    add_job("disp-1", flow=Flow.DISPENSER, released=False)
    stage = _stage(tmp_path, sim, bus, 0.2)
    stage.start()
    try:
        wait(lambda: len(stage.steps) >= 1, what="the first step")
        code = ("import sys, spool; from spool import machine; conn = spool.connect(sys.argv[1]);"
                " machine.transition(conn, 'disp-1', 'released', actor='citizen'); conn.close()")
        root = Path(__file__).resolve().parents[2]
        subprocess.run([sys.executable, "-c", code, str(tmp_path / "spool.db")], check=True, cwd=root,
                       timeout=60)
        wait(lambda: states(conn)["disp-1"] == "printed", timeout=30, what="printed, found by the poll")
    finally:
        stage.stop()
        stage.conn.close()
    trail = actions(conn, "disp-1")
    assert trail.index("job.released") < trail.index("print.submitting") < trail.index("job.printed")


def test_a_checked_document_is_not_parsed_again_on_the_citizens_path(conn, add_job, tmp_path):
    """The bytes match the digest recorded when they were written: the pages counted then are the pages;
    a document with no digest is still counted, and changed bytes are still refused."""
    from station.printing import documents

    job = add_job("disp-1", pages=1, flow=Flow.DISPENSER)
    options_for = StageSettings().options()
    recorded = machine.annotate(conn, job.id, "job.noted", actor="system", pages=3)  # what rendering counted
    assert documents.prepare(recorded, options_for).pages == 3
    unrecorded = machine.annotate(conn, job.id, "job.noted", actor="system", pages=None)
    assert documents.prepare(unrecorded, options_for).pages == 1  # counted from the file
    Path(job.pdf_path).write_bytes(Path(job.pdf_path).read_bytes() + b"\n%changed")
    assert documents.prepare(recorded, options_for) == "document-changed"
