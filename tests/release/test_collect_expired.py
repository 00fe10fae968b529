"""`station slots collect-expired`: a technician takes expired documents out, slot by slot."""

from __future__ import annotations

from pathlib import Path

import pytest

import spool
from simulators.lockbus import LockBusSim
from spool import audit, jobs, machine, slots
from spool.states import Flow
from station import config
from station.cli import main


def _expired(conn, job_id: str, slot: str) -> None:
    machine.create_job(conn, job_id, flow=Flow.LOCKER, template="nib", template_version=1)
    for state in ("rendered", "printing", "printed"):
        machine.transition(conn, job_id, state, actor="system")
    slots.occupy(conn, slot, job_id, actor="system")
    machine.transition(conn, job_id, "staged", actor="system")
    machine.transition(conn, job_id, "expired", actor="system")


def test_each_expired_slot_is_opened_and_the_document_returned(station_dir: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config.load(station_dir / "station.toml")
    conn = spool.connect(cfg.spool_path)
    _expired(conn, "NIB-X1", "A-1-04")
    _expired(conn, "NIB-X2", "A-1-09")
    conn.close()
    bus = LockBusSim.from_bus_config(cfg.bus[0], link=station_dir / cfg.bus[0].port, latch_ms=20,
                                     auto_close=0.2).start()
    try:
        for slot in ("A-1-04", "A-1-09"):
            bus.put_item(slot)
        code = main(["slots", "collect-expired", "--yes", "--technician", "budi", "--timeout", "10",
                     "--config", str(station_dir / "station.toml")])
        out = capsys.readouterr().out
        assert code == 0, out
        assert "2 of 2" in out
        assert bus.unlock_count("A-1-04") == 1 and bus.unlock_count("A-1-09") == 1
        assert bus.stats.max_energised == 1  # one latch at a time
    finally:
        bus.stop()
    conn = spool.connect(cfg.spool_path)
    for job_id in ("NIB-X1", "NIB-X2"):
        job = jobs.get_job(conn, job_id)
        assert job.state.value == "returned" and job.slot is None
    assert [e.actor for e in audit.entries(conn) if e.action == "job.returned"] == ["technician:budi"] * 2
    conn.close()


def test_nothing_to_collect(station_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["slots", "collect-expired", "--yes", "--config", str(station_dir / "station.toml")]) == 0
    assert "no expired" in capsys.readouterr().out


def test_a_cancelled_document_is_reported_taken_out_not_returned(station_dir: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    cfg = config.load(station_dir / "station.toml")
    first, second = [sid for sid, _, _ in cfg.slot_layout()][2:4]
    conn = spool.connect(cfg.spool_path)
    _expired(conn, "NIB-E1", first)
    machine.create_job(conn, "NIB-C1", flow=Flow.LOCKER, template="nib", template_version=1)
    for state in ("rendered", "printing", "printed"):
        machine.transition(conn, "NIB-C1", state, actor="system")
    slots.occupy(conn, second, "NIB-C1", actor="system")
    machine.transition(conn, "NIB-C1", "staged", actor="system")
    machine.transition(conn, "NIB-C1", "cancelled", actor="system", details={"by": "office"})
    conn.close()
    bus = LockBusSim.from_bus_config(cfg.bus[0], link=station_dir / cfg.bus[0].port, latch_ms=20,
                                     auto_close=0.2).start()
    try:
        for slot in (first, second):
            bus.put_item(slot)
        code = main(["slots", "collect-expired", "--yes", "--technician", "budi", "--timeout", "10",
                     "--config", str(station_dir / "station.toml")])
        out = capsys.readouterr().out
    finally:
        bus.stop()
    assert code == 0, out
    assert "NIB-E1 returned" in out and "NIB-C1 returned" not in out
    assert "NIB-C1 taken out (it stays cancelled)" in out and "1 returned, 1 cancelled" in out
    conn = spool.connect(cfg.spool_path)
    assert jobs.get_job(conn, "NIB-C1").state.value == "cancelled" and jobs.get_job(conn, "NIB-C1").slot is None
    assert jobs.get_job(conn, "NIB-E1").state.value == "returned"
    conn.close()
