"""`/api/v1/take-out`: paper that must come out of its slot, and the guided flow that takes it out (ADR 0321).

The list is the spool's (`station.release.take_out`); opening a slot and
settling it on the sensors' word are the daemon's (`slot.take_out`,
`slot.take_out_confirm`): the page never says a slot is empty, the sensors do.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from spool.jobs import get_job
from station.release import take_out
from station.runtime import ops
from station.runtime.control import ControlError

from ..auth import OPERATOR, Principal
from ..respond import json_response, protected
from .common import daemon, web
from .jobs import JobId

router = APIRouter(prefix="/api/v1/take-out", tags=["slots"])


@router.get("", summary="Slots to empty: expired, cancelled and reprinted documents", response_model=None,
            responses=protected(), openapi_extra=OPERATOR.describe())
async def take_out_list(request: Request, principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """Each task's job, slot and why (`expired`, `cancelled`, `reprint`), with the slot's door and item now."""
    live: dict[str, Any] = {}
    try:
        devices = await daemon(request, ops.DEVICES_STATUS)
        live = devices.get("slots") or {} if isinstance(devices, dict) else {}
    except ControlError:
        pass
    found = []
    for task in take_out.tasks(web(request).spool.conn()):
        sensors = live.get(task.slot) if isinstance(live.get(task.slot), dict) else {}
        found.append({**task.as_dict(), "door": str(sensors.get("door", "unknown")),
                      "item": str(sensors.get("item", "unknown"))})
    return json_response({"tasks": found})


@router.post("/{job_id}/open", summary="Open the slot of one take-out task", response_model=None,
             responses=protected(404, 409, 501, 502, 503), openapi_extra=OPERATOR.describe())
async def take_out_open(request: Request, job_id: JobId,
                        principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """The daemon opens the slot (audited); only a slot whose paper must come out opens this way."""
    get_job(web(request).spool.conn(), job_id)
    return json_response(await daemon(request, ops.SLOT_TAKE_OUT, {"job": job_id}, principal.actor))


@router.post("/{job_id}/confirm", summary="Record a take-out once the sensors say the slot is shut and empty",
             response_model=None, responses=protected(404, 409, 501, 502, 503), openapi_extra=OPERATOR.describe())
async def take_out_confirm(request: Request, job_id: JobId,
                           principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """409 while the door is open or the item sensor sees paper; then expired -> returned, cancelled -> slot
    free, reprint -> printed again."""
    get_job(web(request).spool.conn(), job_id)
    result = await daemon(request, ops.SLOT_TAKE_OUT_CONFIRM, {"job": job_id}, principal.actor)
    web(request).relay.publish("slot", {"slot": result.get("slot") if isinstance(result, dict) else None})
    return json_response(result)
