"""Loading a locker station: printed documents into slots, opened one at a time for staff."""

from __future__ import annotations

import threading
from pathlib import Path

import spool
from spool import alarms, jobs, machine, slots
from spool.states import Flow
from station.release.loading import Loader

from patience import wait
from .conftest import Rig, make_rig, stop_rig


class Staff:
    """Whoever is loading: when a door opens, put the document in (or not), then close it."""

    def __init__(self, rig: Rig, *, put: bool = True) -> None:
        self.rig, self.put = rig, put
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        sim = self.rig.sim
        while not self._stop.wait(0.05):
            for slot, _, _ in self.rig.cfg.slot_layout():
                if sim.door_open(slot):
                    if self.put:
                        sim.put_item(slot)
                    sim.close_door(slot)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)


def _printed(rig: Rig, job_id: str) -> None:
    conn = rig.conn
    machine.create_job(conn, job_id, flow=Flow.LOCKER, template="nib", template_version=1)
    for state in ("rendered", "printing", "printed"):
        machine.transition(conn, job_id, state, actor="system")
    conn.close()


def _loader(rig: Rig) -> Loader:
    loader = Loader(rig.cfg, rig.locker, lambda kind, data: None, door_timeout=10, late_open=1.0)
    rig.locker.buses[0].on_event = _fan_out(rig, loader)
    # As the daemon wires it (issue 27): a job change of this process wakes the loader.
    unsubscribe = machine.subscribe(lambda event: loader.bell.ring())
    stop = loader.stop
    loader.stop = lambda *args, **kwargs: (unsubscribe(), stop(*args, **kwargs))  # type: ignore[method-assign]
    loader.start()
    return loader


def _fan_out(rig: Rig, loader: Loader):
    def deliver(event):
        rig.counter.on_lock_event(event)
        loader.on_lock_event(event)
    return deliver


def test_printed_documents_are_loaded_one_slot_each(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, auto_close=None)
    staff = Staff(rig)
    loader = _loader(rig)
    try:
        for n in range(3):
            _printed(rig, f"NIB-{n}")
        wait(lambda: all(rig.state(f"NIB-{n}") == "staged" for n in range(3)), timeout=30, what="staged")
        conn = rig.conn
        held = {jobs.get_job(conn, f"NIB-{n}").slot for n in range(3)}
        conn.close()
        assert len(held) == 3 and None not in held
        assert all(rig.sim.item_present(slot) for slot in held)
    finally:
        loader.stop()
        staff.stop()
        stop_rig(rig)


def test_door_closed_empty_leaves_the_document_printed(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, auto_close=None)
    staff = Staff(rig, put=False)
    loader = _loader(rig)
    try:
        _printed(rig, "NIB-E")
        wait(lambda: "slot.vacated" in _actions(rig, "NIB-E"), timeout=20, what="vacated")
        assert rig.state("NIB-E") == "printed"
    finally:
        loader.stop()
        staff.stop()
        stop_rig(rig)


def test_a_slot_that_is_not_empty_is_skipped_and_taken_out_of_service(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, auto_close=None, items=("A-1-01",))  # something was left in 1-01
    staff = Staff(rig)
    loader = _loader(rig)
    try:
        _printed(rig, "NIB-S")
        wait(lambda: rig.state("NIB-S") == "staged", timeout=20, what="staged")
        conn = rig.conn
        assert jobs.get_job(conn, "NIB-S").slot != "A-1-01"
        assert slots.get_slot(conn, "A-1-01").out_of_service
        assert any(a.kind == "slot_not_empty" for a in alarms.list_alarms(conn))
        conn.close()
        assert rig.sim.unlock_count("A-1-01") == 0
    finally:
        loader.stop()
        staff.stop()
        stop_rig(rig)


def _actions(rig: Rig, job_id: str) -> list[str]:
    conn = rig.conn
    try:
        return [e.action for e in spool.audit.entries(conn, job=job_id)]
    finally:
        conn.close()


def test_a_latch_that_does_not_open_takes_its_slot_out_of_service(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, auto_close=None)
    rig.sim.add_fault("jam@A-1-01")
    staff = Staff(rig)
    loader = _loader(rig)
    try:
        _printed(rig, "NIB-J")
        wait(lambda: rig.state("NIB-J") == "staged", timeout=30, what="staged elsewhere")
        conn = rig.conn
        assert jobs.get_job(conn, "NIB-J").slot != "A-1-01"
        assert slots.get_slot(conn, "A-1-01").out_of_service
        assert any(a.kind == "slot_jammed" for a in alarms.list_alarms(conn))
        conn.close()
    finally:
        loader.stop()
        staff.stop()
        stop_rig(rig)


def test_a_door_that_opens_late_for_loading_is_still_staged(tmp_path: Path) -> None:
    """A latch slower than the confirmation window (a busy machine): the door decides, not the first verdict."""
    rig = make_rig(tmp_path, auto_close=None, env={"STATION_RELEASE_DOOR_OPEN_ALARM_SECONDS": "60"})
    rig.sim.latch = 2.0  # the door opens 2 s after the unlock: past the bus's confirmation window
    bus = rig.locker.buses[0]
    bus.confirm_seconds = 0.5
    staff = Staff(rig)
    loader = _loader(rig)
    try:
        _printed(rig, "NIB-L")
        wait(lambda: rig.state("NIB-L") == "staged", timeout=30, what="staged")
        conn = rig.conn
        slot = jobs.get_job(conn, "NIB-L").slot
        assert slot is not None and not slots.get_slot(conn, slot).out_of_service
        assert not any(a.kind.startswith("slot_") for a in alarms.list_alarms(conn))
        conn.close()
    finally:
        loader.stop()
        staff.stop()
        stop_rig(rig)
