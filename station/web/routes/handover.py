"""`/api/v1/jobs/{id}/handover` (issue 24): hand a PIN-locked document over after an ID check.

The citizen's PIN or code was wrong too many times; staff check the KTP and
type the last 4 digits of its NIK. The daemon checks them against the
document and releases it (`station.release.handover`); a wrong tail is
refused (403) and audited. Operators and above, with a reason.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from spool.jobs import get_job
from station.runtime import ops

from ..auth import OPERATOR, Principal
from ..bodies import HandoverBody
from ..models import DaemonResult
from ..respond import json_response, protected
from ..views import job_summary
from .common import daemon, web

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

JobId = Annotated[str, Path(min_length=1, max_length=128, description="the job (document) id",
                            examples=["AKTA-2026-000123"])]


@router.post("/{job_id}/handover", summary="Hand a PIN-locked document over after an ID check",
             response_model=None, responses={200: {"model": DaemonResult}, **protected(403, 404, 409, 501, 502, 503)},
             openapi_extra=OPERATOR.describe())
async def job_handover(request: Request, job_id: JobId, body: HandoverBody,
                       principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """Staff typed the last 4 digits of the NIK on the citizen's KTP: the station checks them and releases it."""
    get_job(web(request).spool.conn(), job_id)
    result = await daemon(request, ops.JOB_HANDOVER, {"job": job_id, "nik_last4": body.nik_last4,
                                                      "reason": body.reason}, principal.actor)
    web(request).relay.publish("job", {"job": job_id, "state": get_job(web(request).spool.conn(), job_id).state.value})
    return json_response({"job": job_summary(get_job(web(request).spool.conn(), job_id)),
                          "result": result if isinstance(result, dict) else {"result": result}})
