"""`/api/v1/kiosk`: the citizen's screen: its view, its drawing, scans, the PIN pad, problem reports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

import spool
from station.backoffice import complaints
from station.runtime.control import ControlError
from station.release.kiosk import PROBLEMS, KioskView, Screen, citizen_words, knows_reason
from station.trust.token import LANGUAGES

from .. import actions
from ..auth import KIOSK_ACT, KIOSK_READ, Principal
from ..masking import kiosk_safe
from ..bodies import PinBody, ProblemBody, ScanBody
from ..models import KioskLayout, KioskViewModel, ProblemResult
from ..relay import sse_stream
from ..respond import json_response, protected
from .common import daemon, web
from station.runtime import ops

router = APIRouter(prefix="/api/v1/kiosk", tags=["kiosk"])

SSE_DOC = {200: {"description": "Server-Sent Events: `event: KIND`, `data: {\"kind\", \"data\", \"at\"}`",
                 "content": {"text/event-stream": {"schema": {"type": "string"},
                                                   "example": "event: kiosk\ndata: {\"kind\":\"kiosk\",\"data\":"
                                                              "{\"screen\":\"idle\"},\"at\":\"2026-11-28T03:20:00.000Z\"}\n\n"}}}}
KIOSK_KINDS = frozenset({"kiosk", "station", "speech"})  # speech: speech mode and volume (issue 24)


def citizen_view(view: dict[str, Any]) -> dict[str, Any]:
    """A kiosk view fit for the citizen's screen: nothing personal, and a refusal always says what to do."""
    safe = kiosk_safe(view)
    message = safe.get("message") if isinstance(safe.get("message"), dict) else {}
    reason = safe.get("reason")
    if knows_reason(reason) and not all(message.get(lang) for lang in LANGUAGES):
        safe["message"] = citizen_words(reason)
    return safe


def kiosk_answer(result: Any) -> Response:
    return json_response(citizen_view(result) if isinstance(result, dict) else {"screen": "idle"})


@router.get("", summary="What the kiosk shows now", response_model=None,
            responses={200: {"model": KioskViewModel}, **protected(501, 502, 503)}, openapi_extra=KIOSK_READ.describe())
async def kiosk_view(request: Request, principal: Annotated[Principal, Depends(KIOSK_READ)]) -> Response:
    """The kiosk's current view (503 when the daemon is not running: the page says so)."""
    return kiosk_answer(await daemon(request, ops.KIOSK_VIEW))


@router.get("/layout", summary="Where the slots are", response_model=None,
            responses={200: {"model": KioskLayout}, **protected()}, openapi_extra=KIOSK_READ.describe())
async def kiosk_layout(request: Request, principal: Annotated[Principal, Depends(KIOSK_READ)]) -> Response:
    """The cabinets (one per lock board) the kiosk draws to show which door opens."""
    cfg = web(request).cfg
    boards = [{"address": board.address, "locks": board.locks, "columns": cfg.api.kiosk_columns}
              for bus in cfg.bus for board in bus.boards]
    return json_response({"station": cfg.station.name, "kind": cfg.station.kind, "boards": boards,
                          "timezone": cfg.station.timezone, "tray_below": cfg.kiosk.locker.tray_below_screen})


@router.post("/scan", summary="A scan typed or pasted at the kiosk", response_model=None,
             responses={200: {"model": KioskViewModel}, **protected(409, 501, 502, 503)},
             openapi_extra=KIOSK_ACT.describe())
async def kiosk_scan(request: Request, body: ScanBody,
                     principal: Annotated[Principal, Depends(KIOSK_ACT)]) -> Response:
    """Hand a scanned text to the counter, as the scanner would; returns the kiosk view."""
    return kiosk_answer(await daemon(request, ops.KIOSK_SCAN, {"text": body.text}, principal.actor))


@router.post("/pin", summary="The PIN typed on the PIN pad", response_model=None,
             responses={200: {"model": KioskViewModel}, **protected(409, 501, 502, 503)},
             openapi_extra=KIOSK_ACT.describe())
async def kiosk_pin(request: Request, body: PinBody, principal: Annotated[Principal, Depends(KIOSK_ACT)]) -> Response:
    """Hand the PIN to the counter for this release session; returns the kiosk view."""
    return kiosk_answer(await daemon(request, ops.KIOSK_PIN, {"session": body.session, "pin": body.pin}, principal.actor))


@router.post("/problem", summary="Report a problem", response_model=None,
             responses={200: {"model": ProblemResult}, **protected(409)}, openapi_extra=KIOSK_ACT.describe())
async def kiosk_problem(request: Request, body: ProblemBody,
                        principal: Annotated[Principal, Depends(KIOSK_ACT)]) -> Response:
    """Raise an alarm for staff, with the citizen's job attached, and queue the complaint for the back office.

    Works with the daemon down too; the alarm and the complaint commit together.
    """
    state = web(request)
    try:
        view = await daemon(request, ops.KIOSK_VIEW)
    except ControlError:
        view = None
    conn = state.spool.conn()
    with spool.write(conn):
        alarm, job_id = actions.report_problem(conn, body.problem, view if isinstance(view, dict) else None,
                                               session=body.session, actor=principal.actor)
        complaints.enqueue(conn, alarm.id, body.problem, job=job_id, slot=alarm.slot_id)
    state.relay.publish("alarm", {"alarm": alarm.id, "kind": alarm.kind, "slot": alarm.slot_id, "open": True})
    reported = KioskView(Screen.PROBLEM_REPORTED, slot=alarm.slot_id, message=PROBLEMS[body.problem])
    state.relay.publish("kiosk", reported.as_event())
    return json_response({"alarm": alarm.id, "problem": body.problem, "job": job_id,
                          "message": PROBLEMS[body.problem]})


@router.get("/events", summary="Live kiosk views (Server-Sent Events)", response_model=None,
            responses={**SSE_DOC, **protected()}, openapi_extra=KIOSK_READ.describe())
async def kiosk_events(request: Request, principal: Annotated[Principal, Depends(KIOSK_READ)]) -> Response:
    """Each change of the kiosk view, and whether the station is online."""
    state = web(request)
    stream = sse_stream(state.bus, state.relay, kinds=KIOSK_KINDS, stopping=state.stopping,
                        shape=lambda kind, data: citizen_view(data) if kind == "kiosk" else data)
    return StreamingResponse(stream, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
