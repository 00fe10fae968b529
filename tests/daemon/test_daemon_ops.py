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
from station.assembly import Devices
from station.control import ControlClient, ControlError
from station.daemon import Daemon


def _staged(conn, job_id: str, slot: str) -> None:
    machine.create_job(conn, job_id, flow=Flow.LOCKER, template="nib", template_version=1)
    for state in ("rendered", "printing", "printed"):
        machine.transition(conn, job_id, state, actor="system")
    slots.occupy(conn, slot, job_id, actor="system")
    machine.transition(conn, job_id, "staged", actor="system")


async def _with_daemon(folder: Path, body) -> None:
    cfg = config.load(folder / "station.toml", environ={"STATION_SCANNER_DRIVER": "none"})
    bus = LockBusSim.from_bus_config(cfg.bus[0], link=folder / cfg.bus[0].port, latch_ms=20, auto_close=0.2).start()
    daemon = Daemon(cfg, [Devices()])
    running = asyncio.create_task(daemon.run())
    client = ControlClient(cfg.path(cfg.paths.control_socket), timeout=10)
    try:
        for _ in range(200):
            try:
                if (await client.acall("ping"))["ready"]:
                    break
            except ControlError:
                pass
            await asyncio.sleep(0.05)
        await body(cfg, bus, client)
    finally:
        daemon.request_stop()
        await asyncio.wait_for(running, 20)
        bus.stop()


def test_move_reprint_and_open_by_hand(station_dir: Path) -> None:
    conn = spool.connect(station_dir / "spool.db")
    _staged(conn, "NIB-1", "1-02")
    _staged(conn, "NIB-2", "1-05")
    conn.close()

    async def body(cfg, bus, client: ControlClient) -> None:
        with pytest.raises(ControlError) as refused:
            await client.acall("move_job", {"job": "NIB-1", "slot": "1-03"}, actor="viewer:vina")
        assert refused.value.http_status == 403
        with pytest.raises(ControlError) as occupied:
            await client.acall("move_job", {"job": "NIB-1", "slot": "1-05"}, actor="operator:rina")
        assert occupied.value.http_status == 409 and "already holds" in str(occupied.value)
        moved = await client.acall("move_job", {"job": "NIB-1", "slot": "1-03"}, actor="operator:rina")
        assert moved["opened"] == {"1-02": "opened", "1-03": "opened"}
        assert bus.unlock_count("1-02") == 1 and bus.unlock_count("1-03") == 1

        again = await client.acall("reprint", {"job": "NIB-2"}, actor="operator:rina")
        assert again["state"] == "rendered" and again["old_slot"] == "1-05"

        with pytest.raises(ControlError) as weak:
            await client.acall("open_slot", {"slot": "1-07", "reason": "check"}, actor="operator:rina")
        assert weak.value.http_status == 403
        opened = await client.acall("open_slot", {"slot": "1-07", "reason": "check latch"}, actor="technician:budi")
        assert opened["outcome"] == "opened"

    asyncio.run(_with_daemon(station_dir, body))
    conn = spool.connect(station_dir / "spool.db")
    assert jobs.get_job(conn, "NIB-1").slot == "1-03"
    assert jobs.get_job(conn, "NIB-2").slot is None and jobs.get_job(conn, "NIB-2").state.value == "rendered"
    actions = [(e.action, e.actor) for e in audit.entries(conn)]
    assert ("job.moved", "operator:rina") in actions and ("job.reprint", "operator:rina") in actions
    assert ("slot.opened_by_hand", "technician:budi") in actions
    assert audit.verify(conn).ok
