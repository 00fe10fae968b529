"""`/api/v1/kiosk/code` and `/api/v1/kiosk/pin/cancel` (issue 24): no citizen stops at a dead end.

A citizen whose phone is dead types the 12-digit pickup code (PROTOCOLS
§4.1); one who has no PIN, or changed their mind, leaves the PIN pad. Both
answer with the kiosk view, exactly as `/scan` and `/pin` do.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from station.runtime import ops

from ..auth import KIOSK_ACT, Principal
from ..bodies import CodeBody, PinCancelBody
from ..models import KioskViewModel
from ..respond import protected
from .common import daemon
from .kiosk import kiosk_answer

router = APIRouter(prefix="/api/v1/kiosk", tags=["kiosk"])


@router.post("/code", summary="The pickup code typed at the kiosk", response_model=None,
             responses={200: {"model": KioskViewModel}, **protected(409, 501, 502, 503)},
             openapi_extra=KIOSK_ACT.describe())
async def kiosk_code(request: Request, body: CodeBody,
                     principal: Annotated[Principal, Depends(KIOSK_ACT)]) -> Response:
    """Hand the typed code to the counter, in place of a scan; returns the kiosk view (`bad_code` when wrong)."""
    return kiosk_answer(await daemon(request, ops.KIOSK_CODE, {"code": body.code}, principal.actor))


@router.post("/pin/cancel", summary="Leave the PIN pad", response_model=None,
             responses={200: {"model": KioskViewModel}, **protected(409, 501, 502, 503)},
             openapi_extra=KIOSK_ACT.describe())
async def kiosk_pin_cancel(request: Request, body: PinCancelBody,
                           principal: Annotated[Principal, Depends(KIOSK_ACT)]) -> Response:
    """End this release session at the PIN pad; the kiosk goes back to idle (the view is returned)."""
    return kiosk_answer(await daemon(request, ops.KIOSK_PIN_CANCEL, {"session": body.session}, principal.actor))
