"""Alarms have a life: raised, then cleared by the station or acknowledged; disk alarms; daily reminders."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import spool
from spool import alarms, audit, machine, slots
from spool.states import Flow
from station import config
from station.parts import housekeeping
from station.config import DiskSection
from station.runtime.disk import MB, DiskWatch, Level, next_level, render_paused


def test_a_cleared_alarm_is_closed_audited_logged_and_raised_anew_next_time(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    conn = spool.connect(tmp_path / "s.db", create=True)
    first = alarms.raise_alarm(conn, "printer.blocked", "printer: media-empty", device="printer")
    assert alarms.open_counts(conn) == {"info": 0, "warning": 1, "critical": 0}
    with caplog.at_level(logging.INFO, logger="spool.alarms"):
        cleared = alarms.clear(conn, "printer.blocked", device="printer", why="printer ready again")
    assert [a.id for a in cleared] == [first.id] and not cleared[0].open and cleared[0].cleared_by == "system"
    assert "recovered: printer.blocked cleared (printer ready again)" in caplog.text
    assert alarms.list_alarms(conn, open_only=True) == [] and alarms.open_counts(conn)["warning"] == 0
    assert alarms.clear(conn, "printer.blocked", device="printer") == []  # nothing open: nothing written
    with pytest.raises(spool.SpoolError, match="already cleared by the station"):
        alarms.acknowledge(conn, first.id, actor="operator:rina")
    again = alarms.raise_alarm(conn, "printer.blocked", "printer: media-empty", device="printer")
    assert again.id != first.id and again.open
    assert [e.action for e in audit.entries(conn)] == ["alarm.raised", "alarm.cleared", "alarm.raised"]
    assert audit.verify(conn).ok


def test_clearing_one_device_leaves_the_others_open(tmp_path: Path) -> None:
    conn = spool.connect(tmp_path / "s.db", create=True)
    for bus in ("A", "B"):
        alarms.raise_alarm(conn, "bus_unreachable", f"lock bus {bus} unreachable", device=f"bus:{bus}")
    alarms.clear(conn, "bus_unreachable", device="bus:A")
    assert [a.device for a in alarms.list_alarms(conn, open_only=True)] == ["bus:B"]
    assert housekeeping.clear_buses_back(conn, {"A": "online", "B": "unreachable"}) == 0
    assert housekeeping.clear_buses_back(conn, {"A": "online", "B": "online"}) == 1


def test_documents_expired_in_slots_raise_one_alarm_a_day_until_returned(tmp_path: Path) -> None:
    conn = spool.connect(tmp_path / "s.db", create=True)
    layout = config.Config().slot_layout()
    slots.add_slots(conn, layout)
    today = datetime.now(UTC)
    assert housekeeping.remind_expired(conn, today) is None
    for number, (slot, _, _) in enumerate(layout[:2], start=1):  # loaded, then their window passes
        job_id = f"NIB-{number}"
        machine.create_job(conn, job_id, flow=Flow.LOCKER, template="nib", template_version=1,
                           pickup_expires="2026-01-01T00:00:00Z")
        for target in ("rendered", "printing", "printed"):
            machine.transition(conn, job_id, target, actor="system")
        slots.occupy(conn, slot, job_id, actor="system")
        machine.transition(conn, job_id, "staged", actor="system")
    assert housekeeping.expire_due(conn, today) == ["NIB-1", "NIB-2"]
    first = housekeeping.remind_expired(conn, today)
    assert first is not None and "2 expired document(s)" in first.message and layout[0][0] in first.message
    assert housekeeping.remind_expired(conn, today) is None  # one a day
    alarms.acknowledge(conn, first.id, actor="operator:rina")
    assert housekeeping.remind_expired(conn, today) is None  # seen today: not again today
    tomorrow = housekeeping.remind_expired(conn, today + timedelta(days=1))
    assert tomorrow is not None and tomorrow.id != first.id
    for job_id in ("NIB-1", "NIB-2"):
        machine.transition(conn, job_id, "returned", actor="technician:budi")
    assert housekeeping.remind_expired(conn, today + timedelta(days=1)) is None
    assert alarms.open_alarms(conn, housekeeping.EXPIRED_ALARM) == []
    assert alarms.get_alarm(conn, tomorrow.id).cleared_at is not None


# --- disk ------------------------------------------------------------------------

SECTION = DiskSection(warning_free_mb=100, critical_free_mb=20, render_stop_free_mb=150, render_resume_free_mb=200)


@given(st.lists(st.floats(0, 400), min_size=1, max_size=40))
def test_levels_follow_the_thresholds_and_do_not_flap(readings: list[float]) -> None:
    level = Level.OK
    paused = False
    for free in readings:
        new = next_level(free, level, SECTION)
        if free < SECTION.critical_free_mb:
            assert new is Level.CRITICAL
        elif free < SECTION.warning_free_mb:
            assert new >= Level.WARNING
        if free >= SECTION.warning_free_mb * 1.1:
            assert new is Level.OK
        if new < level:  # a level is left only well above its threshold
            left = SECTION.critical_free_mb if level is Level.CRITICAL else SECTION.warning_free_mb
            assert free >= left * 1.1
        level = new
        now_paused = render_paused(free, paused, SECTION)
        assert now_paused == (free < SECTION.render_stop_free_mb or (paused and free < SECTION.render_resume_free_mb))
        paused = now_paused


class Disk:
    """Free space as `os.statvfs` reports it, set by the test."""

    def __init__(self, free_mb: float) -> None:
        self.free_mb = free_mb

    def __call__(self, path: str) -> os.statvfs_result:
        blocks = int(self.free_mb * MB) // 4096
        return os.statvfs_result((4096, 4096, 1 << 20, blocks, blocks, 1000, 1000, 1000, 0, 255))


def _watch(station_dir: Path, disk: Disk) -> DiskWatch:
    cfg = config.load(station_dir / "station.toml", environ={})
    cfg = cfg.model_copy(update={"disk": SECTION})
    watch = DiskWatch(cfg, statvfs=disk)
    watch._conn = spool.connect(cfg.spool_path)
    return watch


def _open(watch: DiskWatch) -> dict[str, str]:
    assert watch._conn is not None
    return {a.kind: a.severity for a in alarms.list_alarms(watch._conn, open_only=True)}


def test_disk_levels_raise_and_clear_their_alarms_and_take_the_counter_out_of_service(station_dir: Path) -> None:
    disk = Disk(500)
    watch = _watch(station_dir, disk)
    service: list[str | None] = []
    watch.on_service(service.append)
    asyncio.run(watch.step(first=True))
    assert _open(watch) == {} and watch.summary()["level"] == "ok" and not watch.render_paused
    disk.free_mb = 90
    asyncio.run(watch.step())
    assert _open(watch) == {"disk.low": "warning", "disk.rendering_paused": "info"} and watch.render_paused
    disk.free_mb = 10
    asyncio.run(watch.step())
    assert _open(watch)["disk.full"] == "critical" and watch.critical and service[-1] == "disk_full"
    assert "10 MB free, below 20 MB" in watch.summary()["reason"]
    disk.free_mb = 21  # above the threshold, inside the margin: still critical
    asyncio.run(watch.step())
    assert watch.critical
    disk.free_mb = 60
    asyncio.run(watch.step())
    assert "disk.full" not in _open(watch) and "disk.low" in _open(watch) and service[-1] is None
    disk.free_mb = 170  # space back, rendering still waits until 200 MB
    asyncio.run(watch.step())
    assert _open(watch) == {"disk.rendering_paused": "info"} and watch.render_paused
    disk.free_mb = 250
    asyncio.run(watch.step())
    assert _open(watch) == {} and not watch.render_paused
    assert audit.verify(watch._conn).ok


def test_a_disk_alarm_the_spool_cannot_take_is_kept_and_written_when_it_can(station_dir: Path) -> None:
    disk = Disk(500)
    watch = _watch(station_dir, disk)
    asyncio.run(watch.step(first=True))
    assert watch._conn is not None
    watch._conn.execute("PRAGMA query_only = ON")  # the spool refuses every write, as on a full disk
    disk.free_mb = 5
    asyncio.run(watch.step())
    summary = watch.summary()
    assert summary["critical"] and summary["alarms_unwritten"] >= 2 and _open(watch) == {}
    disk.free_mb = 500
    asyncio.run(watch.step())
    assert not watch.critical and watch.summary()["alarms_unwritten"] > 0  # still waiting for the spool
    time.sleep(0.01)  # written well after it was detected
    watch._conn.execute("PRAGMA query_only = OFF")
    asyncio.run(watch.step())
    assert watch.summary()["alarms_unwritten"] == 0 and _open(watch) == {}
    # The episode is in the audit, in order, with the time it was detected.
    trail = [(e.action, e.details.get("kind")) for e in audit.entries(watch._conn)
             if str(e.details.get("kind", "")).startswith("disk.full")]
    assert trail == [("alarm.raised", "disk.full"), ("alarm.cleared", "disk.full")]
    raised = next(e for e in audit.entries(watch._conn) if e.details.get("kind") == "disk.full")
    assert raised.details["detected_at"] < raised.at
    assert audit.verify(watch._conn).ok
