"""Every action the operations page offers for a job is one the daemon accepts, in every state of both flows."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

import spool
from simulators.lockbus import LockBusSim
from spool import jobs, machine, slots
from spool.rules import TRANSITIONS
from spool.states import Flow, JobState
from station import config
from station.parts.assembly import JobOpsPart
from station.cli import main
from station.runtime.control import ControlClient, ControlError
from station.parts.devices import DevicesPart
from station.parts.slot_ops import SlotOpsPart
from station.web.actions import allowed_actions
from station.runtime import ops

from .daemon_support import with_daemon

S = JobState
OPERATOR = "operator:rina"


def _paths(flow: Flow) -> dict[tuple[JobState, str | None], list[JobState]]:
    """A shortest legal walk from `received` to every state (held: from every state it can be held from)."""
    found: dict[tuple[JobState, str | None], list[JobState]] = {(S.RECEIVED, None): []}
    queue = deque([[S.RECEIVED]])
    while queue:
        walk = queue.popleft()
        for nxt in sorted(TRANSITIONS[flow][walk[-1]]):
            key = (nxt, walk[-1].value if nxt is S.HELD else None)
            if key not in found:
                found[key] = walk[1:] + [nxt]
                queue.append(walk + [nxt])
    return found


def _make(conn, job_id: str, flow: Flow, walk: list[JobState], free: list[str]) -> jobs.Job:
    machine.create_job(conn, job_id, flow=flow, template="nib", template_version=1)
    for state in walk:
        if state is S.STAGED and jobs.get_job(conn, job_id).slot is None:
            slots.occupy(conn, free.pop(0), job_id, actor="system")
        fields = {"pdf_path": f"/nonexistent/{job_id}.pdf"} if state is S.RENDERED else {}
        machine.transition(conn, job_id, state, actor="system", reason="test" if state is S.HELD else None, **fields)
    return jobs.get_job(conn, job_id)


async def _accepts(client: ControlClient, job: jobs.Job, action: str, target: str) -> None:
    until = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    op, args = {"retry": (ops.JOB_RETRY, {}), "cancel": (ops.JOB_CANCEL, {"reason": "checked"}),
                "extend": (ops.JOB_EXTEND, {"until": until}), "reprint": (ops.JOB_REPRINT, {}),
                "move": (ops.JOB_MOVE, {"slot": target}), "confirm_collected": (ops.JOB_CONFIRM_COLLECTED, {}),
                "paper_inside": (ops.JOB_PAPER_INSIDE, {})}[action]
    await client.acall(op, {"job": job.id, **args}, actor=OPERATOR)


def test_offered_actions_are_accepted_in_every_state(tmp_path: Path) -> None:
    station_dir = tmp_path / "station"
    assert main(["init", str(station_dir), "--bus", "A:cu16:1x16,2x16,3x16,4x16"]) == 0
    cfg = config.load(station_dir / "station.toml", environ={"STATION_SCANNER_DRIVER": "none"})
    free = [s.id for s in slots.list_slots(spool.connect(cfg.spool_path))]
    cases: list[tuple[Flow, JobState, str | None, str]] = []
    conn = spool.connect(cfg.spool_path)
    ids = itertools.count()
    for flow in Flow:
        for (state, held_from), walk in sorted(_paths(flow).items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            probe = _make(conn, f"PROBE-{next(ids)}", flow, walk, free)
            for action in allowed_actions(probe, can_operate=True):
                job = _make(conn, f"JOB-{next(ids)}", flow, walk, free)
                cases.append((flow, state, held_from, f"{action}:{job.id}"))
    conn.close()
    assert {state for _, state, _, _ in cases} >= {S.RECEIVED, S.RENDERED, S.PRINTED, S.STAGED, S.HELD}
    refused: list[str] = []

    async def body(client: ControlClient) -> None:
        for flow, state, held_from, case in cases:
            action, job_id = case.split(":", 1)
            job = jobs.get_job(spool.connect(cfg.spool_path), job_id)
            try:
                await _accepts(client, job, action, free.pop(0) if action == "move" else "")
            except ControlError as err:
                refused.append(f"{flow.value}/{state.value} (held from {held_from}): {action} refused: {err}")

    bus = LockBusSim.from_bus_config(cfg.bus[0], link=station_dir / cfg.bus[0].port, latch_ms=20,
                                     auto_close=0.2).start()
    try:
        asyncio.run(with_daemon(cfg, _parts(), body))
    finally:
        bus.stop()
    assert refused == []
    assert len(cases) >= 15  # every offered action of every state was tried


def _parts() -> list:
    """The devices, the slot operations on them, and the job actions."""
    devices = DevicesPart()
    return [devices, SlotOpsPart(devices), JobOpsPart()]
