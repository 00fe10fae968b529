"""`/api/v1/slots`: the locker slots, their doors, and taking them out of service."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from spool import listings, slots
from spool.errors import SlotError
from station.runtime.control import ControlError

from .. import actions
from ..auth import OPERATOR, TECHNICIAN, VIEWER, Principal
from ..models import SLOT_PATTERN, OpenBody, OpenResult, ServiceBody, SlotList, SlotResult
from ..respond import NotFound, json_response, protected
from .common import daemon, web
from station.runtime import ops

router = APIRouter(prefix="/api/v1/slots", tags=["slots"])

SlotId = Annotated[str, Path(pattern=SLOT_PATTERN, description="slot name BUS-BOARD-LOCK", examples=["A-1-05"])]


def _existing(conn: Any, slot_id: str) -> slots.Slot:
    try:
        return slots.get_slot(conn, slots.resolve(conn, slot_id))
    except SlotError as err:
        raise NotFound(str(err)) from None


@router.get("", summary="Every slot", response_model=None, responses={200: {"model": SlotList}, **protected()},
            openapi_extra=VIEWER.describe())
async def slot_list(request: Request, principal: Annotated[Principal, Depends(VIEWER)]) -> Response:
    """Slots with their occupant, the occupant's state, door and item sensor, and open alarms."""
    state = web(request)
    conn = state.spool.conn()
    live: dict[str, Any] = {}
    online = False
    try:
        devices = await daemon(request, ops.DEVICES_STATUS)
        live = devices.get("slots") or {} if isinstance(devices, dict) else {}
        online = True
    except ControlError:
        pass
    job_states = listings.occupant_states(conn)
    alarm_counts = listings.open_alarms_by_slot(conn)
    found = []
    for slot in slots.list_slots(conn):
        door = live.get(slot.id) if isinstance(live.get(slot.id), dict) else {}
        found.append({**slot.as_dict(), "job_state": job_states.get(slot.occupant),
                      "door": str(door.get("door", "unknown")), "item": str(door.get("item", "unknown")),
                      "open_alarms": alarm_counts.get(slot.id, 0)})
    return json_response({"slots": found, "live": online})


@router.post("/{slot_id}/service", summary="Take a slot out of service, or put it back", response_model=None,
             responses={200: {"model": SlotResult}, **protected(404, 409)}, openapi_extra=OPERATOR.describe())
def slot_service(request: Request, slot_id: SlotId, body: ServiceBody,
                 principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """Out of service: the station stops putting documents in the slot (the note says why)."""
    state = web(request)
    conn = state.spool.conn()
    slot_id = _existing(conn, slot_id).id
    slot = actions.set_slot_service(conn, slot_id, body.out_of_service, actor=principal.actor, note=body.note)
    state.relay.publish("slot", {"slot": slot.id, "out_of_service": slot.out_of_service})
    return json_response({"slot": slot.as_dict()})


@router.post("/{slot_id}/open", summary="Technician: open a door", response_model=None,
             responses={200: {"model": OpenResult}, **protected(404, 409, 501, 502, 503)},
             openapi_extra=TECHNICIAN.describe())
async def slot_open(request: Request, slot_id: SlotId, body: OpenBody,
                    principal: Annotated[Principal, Depends(TECHNICIAN)]) -> Response:
    """Ask the daemon to open one door, with a reason (audited; the outcome is as seen by polling)."""
    slot_id = _existing(web(request).spool.conn(), slot_id).id
    result = await daemon(request, ops.SLOT_OPEN, {"slot": slot_id, "reason": body.reason}, principal.actor)
    outcome = result.get("outcome", "unknown") if isinstance(result, dict) else "unknown"
    return json_response({"slot": slot_id, "outcome": str(outcome)})
