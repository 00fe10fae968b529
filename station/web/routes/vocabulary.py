"""`/ops/vocabulary.json`: the staff's words (alarm kinds and messages, slot states) in Indonesian and English.

Words only, no station state: the ops page reads them before anyone signs in,
so they are served beside the page, outside `/api/` (which needs a token)
(ADR 0320). The CLI reads the same package (`station.vocabulary`).
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from station import vocabulary

from ..respond import json_response

router = APIRouter(tags=["pages"])


@router.get("/ops/vocabulary.json", summary="Words for alarms and slots, in Indonesian and English", response_model=None)
async def words() -> Response:
    """Per language: each alarm kind's title and message (with `{slot}`, `{job}`, `{device}` to fill), the
    families of made-up kinds (by prefix), and the door, item and slot words. Needs no token: it is words only."""
    return json_response(vocabulary.as_json())
