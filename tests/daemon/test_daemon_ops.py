"""The daemon's control commands that drive locks: move a document, reprint it, open a slot by hand."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import spool
from simulators.lockbus import LockBusSim
from spool import audit, jobs, machine, slots
from spool.states import Flow
from station import config
from station.parts.assembly import JobOpsPart
from station.runtime.control import ControlClient, ControlError
from station.parts.devices import DevicesPart
from station.parts.slot_ops import SlotOpsPart
from station.runtime import ops

from .daemon_support import with_daemon


def _staged(conn, job_id: str, slot: str) -> None:
    machine.create_job(conn, job_id, flow=Flow.LOCKER, template="nib", template_version=1)
    machine.transition(conn, job_id, "rendered", actor="system", pdf_path=f"/nonexistent/{job_id}.pdf")
    for state in ("printing", "printed"):
        machine.transition(conn, job_id, state, actor="system")
    slots.occupy(conn, slot, job_id, actor="system")
    machine.transition(conn, job_id, "staged", actor="system")


async def _with_daemon(folder: Path, body) -> None:
    cfg = config.load(folder / "station.toml", environ={"STATION_SCANNER_DRIVER": "none"})
    bus = LockBusSim.from_bus_config(cfg.bus[0], link=folder / cfg.bus[0].port, latch_ms=20, auto_close=0.2).start()
    try:
        await with_daemon(cfg, _parts(), lambda client: body(cfg, bus, client))
    finally:
        bus.stop()


def test_move_reprint_and_open_by_hand(station_dir: Path) -> None:
    conn = spool.connect(station_dir / "spool.db")
    _staged(conn, "NIB-1", "A-1-02")
    _staged(conn, "NIB-2", "A-1-05")
    conn.close()

    async def body(cfg, bus, client: ControlClient) -> None:
        with pytest.raises(ControlError) as refused:
            await client.acall(ops.JOB_MOVE, {"job": "NIB-1", "slot": "A-1-03"}, actor="viewer:vina")
        assert refused.value.http_status == 403
        with pytest.raises(ControlError) as occupied:
            await client.acall(ops.JOB_MOVE, {"job": "NIB-1", "slot": "A-1-05"}, actor="operator:rina")
        assert occupied.value.http_status == 409 and "already holds" in str(occupied.value)
        moved = await client.acall(ops.JOB_MOVE, {"job": "NIB-1", "slot": "A-1-03"}, actor="operator:rina")
        assert moved["opened"] == {"A-1-02": "opened", "A-1-03": "opened"}
        assert bus.unlock_count("A-1-02") == 1 and bus.unlock_count("A-1-03") == 1

        again = await client.acall(ops.JOB_REPRINT, {"job": "NIB-2"}, actor="operator:rina")
        assert again["state"] == "rendered" and again["old_slot"] == "A-1-05"

        with pytest.raises(ControlError) as weak:
            await client.acall(ops.SLOT_OPEN, {"slot": "A-1-07", "reason": "check"}, actor="operator:rina")
        assert weak.value.http_status == 403
        opened = await client.acall(ops.SLOT_OPEN, {"slot": "A-1-07", "reason": "check latch"}, actor="technician:budi")
        assert opened["outcome"] == "opened"

    asyncio.run(_with_daemon(station_dir, body))
    conn = spool.connect(station_dir / "spool.db")
    assert jobs.get_job(conn, "NIB-1").slot == "A-1-03"
    assert jobs.get_job(conn, "NIB-2").slot is None and jobs.get_job(conn, "NIB-2").state.value == "rendered"
    actions = [(e.action, e.actor) for e in audit.entries(conn)]
    assert ("job.moved", "operator:rina") in actions and ("job.reprint_requested", "operator:rina") in actions
    assert ("manual_open.intent", "technician:budi") in actions and ("manual_open.opened", "technician:budi") in actions
    assert audit.verify(conn).ok


def _parts() -> list:
    """The devices, the slot operations on them, and the job actions."""
    devices = DevicesPart()
    return [devices, SlotOpsPart(devices), JobOpsPart()]
