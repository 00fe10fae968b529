"""Take-out tasks over the control socket (ADR 0321): open a task's slot, then settle it on the sensors' word.

`job.reprint` is here too: a staged document's reprint first asks for its
old copy (the slot opens, the task waits for the sensors), then prints.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from station import operations
from station.parts.arguments import job_arg, operator
from station.parts.slot_ops import SlotOpsPart
from station.release import take_out
from station.runtime import ops

if TYPE_CHECKING:
    from station.runtime.daemon import Daemon


class TakeOutPart:
    """`slot.take_out`, `slot.take_out_confirm` and `job.reprint`, on the slot part's locker."""

    name = "take-out"

    def __init__(self, slot_ops: SlotOpsPart) -> None:
        self.slot_ops = slot_ops

    async def start(self, daemon: Daemon) -> None:
        self.daemon = daemon
        for op, handler in ((ops.SLOT_TAKE_OUT, self._open), (ops.SLOT_TAKE_OUT_CONFIRM, self._confirm),
                            (ops.JOB_REPRINT, self._reprint)):
            daemon.control.register(op, handler)

    async def stop(self) -> None:
        """Nothing runs."""

    async def _open(self, args: dict, actor: str) -> dict:
        """Open the slot of one task (operators and above: only a slot whose paper must come out)."""
        actor = operator(actor, "taking paper out of a slot")
        task = take_out.task_for(self.daemon.conn, job_arg(args))
        return await self._open_task(task, actor)

    async def _open_task(self, task: take_out.Task, actor: str) -> dict:
        opened = await self.slot_ops.open_slot(task.slot, f"take out {task.why} document {task.job}", actor=actor,
                                             job=task.job)
        return {**task.as_dict(), "outcome": opened["outcome"]}

    async def _confirm(self, args: dict, actor: str) -> dict:
        """Settle one task when the door sensor says closed and the item sensor does not say present."""
        actor = operator(actor, "taking paper out of a slot")
        task = take_out.task_for(self.daemon.conn, job_arg(args))
        status = await asyncio.to_thread(self.slot_ops.devices.locker.status, task.slot)
        return take_out.settle(self.daemon.conn, task, door=status.door.value, item=status.item.value, actor=actor)

    async def _reprint(self, args: dict, actor: str) -> dict:
        """A document in a slot: its slot opens for the old copy (a task); one without a slot prints now."""
        actor = operator(actor, "taking paper out of a slot")
        job_id = job_arg(args)
        task = take_out.ask_reprint(self.daemon.conn, job_id, actor=actor)
        if task is None:
            done = operations.reprint(self.daemon.conn, job_id, actor=actor)
            return {"job": done.id, "state": done.state.value, "slot": None, "old_slot": None}
        opened = await self._open_task(task, actor)
        return {"job": job_id, "state": "staged", "slot": task.slot, "old_slot": task.slot, "take_out": opened}


