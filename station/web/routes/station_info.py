"""`/api/v1/spool`, `/api/v1/devices`, `/api/v1/alarms`: the station at a glance, its devices, its alarms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from spool import alarms, audit
from spool.errors import SpoolError
from spool.jobs import count_by_state
from station.version import version

from .. import actions
from ..auth import KIOSK_READ, OPERATOR, VIEWER, Principal
from ..masking import mask_event
from ..models import AlarmList, AlarmResult, Devices, Me, SpoolSummary, Version
from ..respond import NotFound, json_response, protected
from .common import daemon, web
from station.runtime import ops

router = APIRouter(prefix="/api/v1", tags=["station"])


@router.get("/spool", summary="Jobs per state and open alarms", response_model=None,
            responses={200: {"model": SpoolSummary}, **protected()}, openapi_extra=VIEWER.describe())
async def spool_summary(request: Request, principal: Annotated[Principal, Depends(VIEWER)]) -> Response:
    """How many jobs are in each state, how many alarms are open, and the audit head."""
    state = web(request)
    conn = state.spool.conn()
    open_alarms = sum(alarms.open_counts(conn).values())
    return json_response({
        "station": state.cfg.station.id, "name": state.cfg.station.name, "kind": state.cfg.station.kind,
        "timezone": state.cfg.station.timezone,
        "counts": count_by_state(conn), "open_alarms": open_alarms, "audit_head": audit.head(conn)[0],
        "daemon_online": state.relay.online})


@router.get("/version", summary="The software's version", response_model=None,
            responses={200: {"model": Version}, **protected()}, openapi_extra=KIOSK_READ.describe())
async def software_version(request: Request, principal: Annotated[Principal, Depends(KIOSK_READ)]) -> Response:
    """The installed MPP Station version (as `station --version` says it) and the API version."""
    return json_response({"station": web(request).cfg.station.id, "version": version(), "api": "v1"})


@router.get("/me", summary="Who the token belongs to", response_model=None,
            responses={200: {"model": Me}, **protected()}, openapi_extra=KIOSK_READ.describe())
async def me(principal: Annotated[Principal, Depends(KIOSK_READ)]) -> Response:
    """The caller's name and role (the pages use it to offer only allowed actions)."""
    return json_response({"name": principal.name, "role": "kiosk" if principal.kiosk else principal.role.name.lower(),  # type: ignore[union-attr]
                          "actor": principal.actor, "masked": principal.masked})


@router.get("/devices", summary="Printer, lock buses and scanner: status and reasons", response_model=None,
            responses={200: {"model": Devices}, **protected(501, 502, 503)}, openapi_extra=VIEWER.describe())
async def devices(request: Request, principal: Annotated[Principal, Depends(VIEWER)]) -> Response:
    """Device status as the daemon last saw it (503 when the daemon is not running)."""
    result = await daemon(request, ops.DEVICES_STATUS)
    result = result if isinstance(result, dict) else {}
    return json_response(mask_event("device", result) if principal.masked else result)


@router.get("/alarms", summary="Alarms: open, cleared and acknowledged", response_model=None,
            responses={200: {"model": AlarmList}, **protected()}, openapi_extra=VIEWER.describe())
async def alarm_list(request: Request, principal: Annotated[Principal, Depends(VIEWER)],
                     open: Annotated[bool, Query(description="only open alarms (not cleared by the station, not acknowledged)")] = False,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Response:
    """Alarms newest first."""
    found = alarms.list_alarms(web(request).spool.conn(), open_only=open, limit=limit)
    return json_response({"alarms": [alarm.as_dict() for alarm in found]})


@router.post("/alarms/{alarm_id}/acknowledge", summary="Acknowledge an alarm", response_model=None,
             responses={200: {"model": AlarmResult}, **protected(404, 409)}, openapi_extra=OPERATOR.describe())
def alarm_acknowledge(request: Request, alarm_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
                      principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """Mark an alarm as seen (audited with who)."""
    state = web(request)
    conn = state.spool.conn()
    try:
        alarms.get_alarm(conn, alarm_id)
    except SpoolError as err:
        raise NotFound(str(err)) from None
    alarm = actions.acknowledge(conn, alarm_id, actor=principal.actor)
    state.relay.publish("alarm", {"alarm": alarm.id, "open": False})
    return json_response({"alarm": alarm.as_dict()})
