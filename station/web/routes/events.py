"""`/api/v1/events`: everything that happens at the station, live (Server-Sent Events)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response, StreamingResponse

from ..auth import VIEWER, Principal
from ..masking import kiosk_safe, mask_event
from ..relay import sse_stream
from ..respond import protected
from .common import web
from .kiosk import SSE_DOC

router = APIRouter(prefix="/api/v1", tags=["events"])


@router.get("/events", summary="Live events (Server-Sent Events)", response_model=None,
            responses={**SSE_DOC, **protected()}, openapi_extra=VIEWER.describe())
async def events(request: Request, principal: Annotated[Principal, Depends(VIEWER)]) -> Response:
    """`job`, `slot`, `device`, `alarm`, `kiosk` and `station` events; masked for viewers."""
    state = web(request)

    def shape(kind: str, data: dict) -> dict:
        if principal.masked:
            return mask_event(kind, data)
        return kiosk_safe(data) if kind == "kiosk" else data

    stream = sse_stream(state.bus, state.relay, kinds=None, shape=shape, stopping=state.stopping)
    return StreamingResponse(stream, media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
