"""(issue 22) Releases on boards without item sensors (8A/80) settle, after a crash too.

The rule: collected when the door was seen open, then shut, after the
release. A release cut off by a crash, its door shut now and never seen
open, cannot be decided by the station: it becomes a `slot_check` task, and
staff say what they found. An act left open too long raises an alarm.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from drivers.locks.errors import LockError
from spool import alarms, audit, intents, jobs, slots
from spool.intents import Kind
from spool.states import Action
from station import operations
from station.release import settling
from station.errors import StationError
from station.release.kiosk import Screen

from patience import wait

from .conftest import Rig, make_rig, stop_rig

BUS = "B:8a80:1x8"
SLOT = "B-1-03"
DOC = "AKTA-8A"


class Crash(LockError):
    """The station dies after recording the release, as the unlock goes out."""


def _crashed_release(tmp_path: Path) -> Rig:
    """A release recorded, its unlock cut off by a crash; the station started again on the same folder."""
    rig = make_rig(tmp_path, auto_close=None, bus=BUS)
    rig.stage(DOC, SLOT)

    def crash(slot: str, **_: object) -> None:
        raise Crash("power cut")

    rig.counter.locker.submit_unlock = crash  # type: ignore[method-assign]
    rig.scan(rig.token(DOC))
    stop_rig(rig)
    conn = rig.conn
    try:  # whatever the dying station asked: recovery must ask again by itself
        for alarm in alarms.open_alarms(conn, settling.SLOT_CHECK):
            alarms.acknowledge(conn, alarm.id, actor="operator:rina")
        assert intents.open_intents(conn, Kind.UNLOCK), "the unlock's outcome is not recorded"
    finally:
        conn.close()
    return make_rig(tmp_path, auto_close=None, bus=BUS)


def _open(rig: Rig, kind: str) -> list[alarms.Alarm]:
    conn = rig.conn
    try:
        return alarms.open_alarms(conn, kind, job=DOC)
    finally:
        conn.close()


@pytest.fixture
def crashed(tmp_path: Path):
    rig = _crashed_release(tmp_path)
    yield rig
    stop_rig(rig)


def test_a_release_the_station_cannot_judge_becomes_a_staff_task(crashed: Rig) -> None:
    rig = crashed
    wait(lambda: bool(_open(rig, settling.SLOT_CHECK)), what="the slot_check task")
    [task] = _open(rig, settling.SLOT_CHECK)
    assert task.slot_id == SLOT and "Open the slot with a technician" in task.message
    conn = rig.conn
    try:
        job = jobs.get_job(conn, DOC)
        assert job.state.value == "released"
        assert operations.allowed(job) >= {Action.CONFIRM_COLLECTED, Action.PAPER_INSIDE}
        done = operations.confirm_collected(conn, DOC, actor="operator:rina")
        assert done.state.value == "collected"
        assert not intents.open_intents(conn, Kind.UNLOCK)
        assert slots.get_slot(conn, SLOT).occupant is None
        entry = [e for e in audit.entries(conn, job=DOC) if e.action == "job.confirm_collected"][-1]
        assert entry.actor == "operator:rina" and entry.details["found"] == "empty"
        assert entry.details["to"] == "collected"  # the machine queues `collected` with this entry (its audit_seq)
    finally:
        conn.close()
    assert not _open(rig, settling.SLOT_CHECK)
    wait(lambda: SLOT not in rig.counter.flow.watches, what="the counter stops watching the door")
    assert rig.counter.view.reason != "internal"


def test_paper_still_inside_waits_again_for_a_new_token(crashed: Rig) -> None:
    rig = crashed
    wait(lambda: bool(_open(rig, settling.SLOT_CHECK)), what="the slot_check task")
    conn = rig.conn
    try:
        assert operations.paper_inside(conn, DOC, actor="operator:rina").state.value == "staged"
        with pytest.raises(StationError) as refused:
            operations.confirm_collected(conn, DOC, actor="operator:rina")  # staged: nothing to settle
        assert refused.value.http_status == 409
    finally:
        conn.close()
    wait(lambda: SLOT not in rig.counter.flow.watches, what="the counter stops watching the door")
    view = rig.scan(rig.token(DOC))  # the back office issues a new token
    assert view.screen is Screen.OPEN, view


def test_door_seen_open_then_shut_after_the_restart_is_collected(crashed: Rig) -> None:
    rig = crashed
    wait(lambda: SLOT in rig.counter.flow.watches, what="the door watched again")
    rig.sim.open_door(SLOT)
    wait(lambda: rig.counter.flow.watches.get(SLOT) is not None and rig.counter.flow.watches[SLOT].intent is None,
             what="the door seen open")
    rig.sim.close_door(SLOT)
    wait(lambda: rig.state(DOC) == "collected", what="collected by the rule")
    conn = rig.conn
    try:
        settling.check_open_acts(conn, 600, datetime.now(UTC))
    finally:
        conn.close()
    assert not _open(rig, settling.SLOT_CHECK)


def test_an_act_open_too_long_raises_an_alarm_naming_it(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, auto_close=None, bus=BUS)
    try:
        conn = rig.conn
        try:
            intent = intents.record(conn, Kind.MANUAL_OPEN, slot=SLOT)
            now = datetime.now(UTC)
            assert settling.check_open_acts(conn, 600, now) == ([], 0)
            raised, _ = settling.check_open_acts(conn, 600, now + timedelta(minutes=11))
            assert [a.device for a in raised] == [f"intent:{intent.id}"]
            assert f"manual_open intent {intent.id} at slot {SLOT}" in raised[0].message
            assert settling.check_open_acts(conn, 600, now + timedelta(minutes=12)) == ([], 0)  # raised once
            intents.finish(conn, intent.id, "closed")
            assert settling.check_open_acts(conn, 600, now + timedelta(minutes=13)) == ([], 1)
        finally:
            conn.close()
    finally:
        stop_rig(rig)
