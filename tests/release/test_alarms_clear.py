"""Condition alarms of the locker clear themselves: a lock bus back, a slot free again."""

from __future__ import annotations

from pathlib import Path

from spool import alarms, slots

from patience import wait
from .conftest import make_rig, stop_rig
from .test_loading import Staff, _loader, _printed


def _open(rig, kind: str) -> list[alarms.Alarm]:
    conn = rig.conn
    try:
        return alarms.open_alarms(conn, kind)
    finally:
        conn.close()


def test_bus_unreachable_clears_when_the_bus_answers_again(tmp_path: Path) -> None:
    rig = make_rig(tmp_path)
    try:
        rig.sim.add_fault("vanish=1.5")  # the USB adapter is pulled out, then plugged back
        wait(lambda: len(_open(rig, "bus_unreachable")) == 1, timeout=10, what="bus_unreachable raised")
        wait(lambda: _open(rig, "bus_unreachable") == [], timeout=15, what="bus_unreachable cleared")
        conn = rig.conn
        alarm = alarms.list_alarms(conn)[0]
        conn.close()
        assert alarm.kind == "bus_unreachable" and alarm.cleared_at is not None
        assert ("alarm", {"kind": "bus_unreachable", "device": "bus:A", "open": False}) in rig.events
    finally:
        stop_rig(rig)


def test_no_free_slot_clears_once_a_slot_is_free(tmp_path: Path) -> None:
    rig = make_rig(tmp_path, auto_close=None)
    everything = [sid for sid, _, _ in rig.cfg.slot_layout()]
    conn = rig.conn
    for sid in everything:
        slots.set_service(conn, sid, True, actor="technician:budi", note="cabinet being cleaned")
    conn.close()
    staff = Staff(rig)
    loader = _loader(rig)
    try:
        _printed(rig, "NIB-FULL")
        wait(lambda: len(_open(rig, "no_free_slot")) == 1, timeout=10, what="no_free_slot raised")
        conn = rig.conn
        slots.set_service(conn, everything[-1], False, actor="technician:budi")
        conn.close()
        wait(lambda: rig.state("NIB-FULL") == "staged", timeout=30, what="loaded into the free slot")
        assert _open(rig, "no_free_slot") == []
    finally:
        loader.stop()
        staff.stop()
        stop_rig(rig)
