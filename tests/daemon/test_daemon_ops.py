"""The daemon's control commands that drive locks: move a document, reprint it, open a slot by hand."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

import spool
from simulators.lockbus import LockBusSim
from spool import alarms, audit, jobs, machine, slots
from spool.states import Flow
from station import config, operations
from station.parts.assembly import JobOpsPart
from station.runtime.control import ControlClient, ControlError
from station.parts.devices import DevicesPart
from station.parts import housekeeping
from station.parts.slot_ops import SlotOpsPart
from station.parts.take_out import TakeOutPart
from station.release import take_out
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

        # (issue 25) A staged document's reprint first opens its slot for the old copy: it prints only once the
        # sensors say the slot is shut and empty.
        bus.put_item("A-1-05")
        again = await client.acall(ops.JOB_REPRINT, {"job": "NIB-2"}, actor="operator:rina")
        assert again["state"] == "staged" and again["take_out"]["outcome"] == "opened"
        assert bus.unlock_count("A-1-05") == 1
        await _until(lambda: not bus.door_open("A-1-05"))  # the sim closes the door; the old copy is still in
        with pytest.raises(ControlError) as inside:
            await client.acall(ops.SLOT_TAKE_OUT_CONFIRM, {"job": "NIB-2"}, actor="operator:rina")
        assert inside.value.http_status == 409 and "item present" in str(inside.value)
        bus.take_item("A-1-05")
        done = await _confirmed(client, "NIB-2")
        assert done["result"] == "reprinting" and done["state"] == "rendered"

        with pytest.raises(ControlError) as weak:
            await client.acall(ops.SLOT_OPEN, {"slot": "A-1-07", "reason": "check"}, actor="operator:rina")
        assert weak.value.http_status == 403
        opened = await client.acall(ops.SLOT_OPEN, {"slot": "A-1-07", "reason": "check latch"}, actor="technician:budi")
        assert opened["outcome"] == "opened"

    asyncio.run(_with_daemon(station_dir, body))
    conn = spool.connect(station_dir / "spool.db")
    assert jobs.get_job(conn, "NIB-1").slot == "A-1-03"
    assert jobs.get_job(conn, "NIB-2").slot is None and jobs.get_job(conn, "NIB-2").state.value == "rendered"
    assert alarms.open_alarms(conn, take_out.REPRINT_ALARM) == []
    actions = [(e.action, e.actor) for e in audit.entries(conn)]
    assert ("job.moved", "operator:rina") in actions and ("job.reprint_requested", "operator:rina") in actions
    assert ("manual_open.intent", "technician:budi") in actions and ("manual_open.opened", "technician:budi") in actions
    assert audit.verify(conn).ok


async def _until(condition, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def _confirmed(client: ControlClient, job: str, timeout: float = 10.0) -> dict:
    """Confirm a take-out once the lock's poll has seen the slot empty (a 409 until then)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            return await client.acall(ops.SLOT_TAKE_OUT_CONFIRM, {"job": job}, actor="operator:rina")
        except ControlError as err:
            if err.http_status != 409 or asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.1)


def test_take_out_expired_and_cancelled_paper_on_the_sensors_word(station_dir: Path) -> None:
    """(issue 25) The ops page's take-out flow: a task's slot opens for staff, and is settled only when shut and
    empty; a cancel of a document in a slot raises its take-out task, cleared when it is done."""
    conn = spool.connect(station_dir / "spool.db")
    _staged(conn, "NIB-3", "A-1-02")
    _staged(conn, "NIB-4", "A-1-03")
    _staged(conn, "NIB-5", "A-1-04")
    machine.transition(conn, "NIB-3", "expired", actor="system")
    operations.cancel(conn, "NIB-4", actor="operator:rina", reason="applicant withdrew")
    assert [a.slot_id for a in alarms.open_alarms(conn, "slot_withdrawn_paper")] == ["A-1-03"]
    assert [(t.job, t.why) for t in take_out.tasks(conn)] == [("NIB-3", "expired"), ("NIB-4", "cancelled")]
    conn.close()

    async def body(cfg, bus, client: ControlClient) -> None:
        with pytest.raises(ControlError) as viewer:
            await client.acall(ops.SLOT_TAKE_OUT, {"job": "NIB-3"}, actor="viewer:vina")
        assert viewer.value.http_status == 403
        with pytest.raises(ControlError) as staged:  # a staged document is no task: its door stays shut
            await client.acall(ops.SLOT_TAKE_OUT, {"job": "NIB-5"}, actor="operator:rina")
        assert staged.value.http_status == 409 and bus.unlock_count("A-1-04") == 0
        for job, slot in (("NIB-3", "A-1-02"), ("NIB-4", "A-1-03")):
            bus.put_item(slot)
            opened = await client.acall(ops.SLOT_TAKE_OUT, {"job": job}, actor="operator:rina")
            assert opened["outcome"] == "opened" and bus.unlock_count(slot) == 1
            bus.take_item(slot)
            await _until(lambda slot=slot: not bus.door_open(slot))
        assert (await _confirmed(client, "NIB-3"))["result"] == "returned"
        assert (await _confirmed(client, "NIB-4"))["result"] == "taken_out"

    asyncio.run(_with_daemon(station_dir, body))
    conn = spool.connect(station_dir / "spool.db")
    assert jobs.get_job(conn, "NIB-3").state.value == "returned" and jobs.get_job(conn, "NIB-3").slot is None
    assert jobs.get_job(conn, "NIB-4").state.value == "cancelled" and jobs.get_job(conn, "NIB-4").slot is None
    assert take_out.tasks(conn) == []
    housekeeping.clear_ended(conn)
    assert alarms.open_alarms(conn, "slot_withdrawn_paper") == []


def _parts() -> list:
    """The devices, the slot operations on them, the take-out tasks and the job actions."""
    devices = DevicesPart()
    slot_ops = SlotOpsPart(devices)
    return [devices, slot_ops, TakeOutPart(slot_ops), JobOpsPart()]
