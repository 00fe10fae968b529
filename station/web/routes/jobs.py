"""`/api/v1/jobs`: the spool's jobs, their audit trails, and what staff can do to them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from spool import audit
from spool.jobs import get_job
from spool.states import JobState

from .. import actions
from ..auth import OPERATOR, VIEWER, Principal, Role
from ..masking import mask_data, payload_data
from ..bodies import CancelBody, ExtendBody, MoveBody, TrayCheckBody
from ..models import DaemonResult, JobDetail, JobPage, JobResult
from ..respond import json_response, protected
from ..views import job_page_json, job_summary
from .common import daemon, web
from station.runtime import ops

router = APIRouter(prefix="/api/v1/jobs", tags=["jobs"])

JobId = Annotated[str, Path(min_length=1, max_length=128, description="the job (document) id",
                            examples=["AKTA-2026-000123"])]
MAX_SEQ = 2**63 - 1


@router.get("", summary="List jobs", response_model=None, responses={200: {"model": JobPage}, **protected()},
            openapi_extra=VIEWER.describe())
async def jobs_list(
        request: Request, principal: Annotated[Principal, Depends(VIEWER)],
        state: Annotated[list[JobState] | None, Query(description="only jobs in these states")] = None,
        template: Annotated[str | None, Query(max_length=128, description="only this template")] = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        before: Annotated[int | None, Query(ge=1, le=MAX_SEQ, description="`next_before` of the page before")] = None,
) -> Response:
    """Jobs newest first, filtered by state and template, paged by sequence number."""
    # Runs on the event loop: a bounded indexed read, no thread hop (the busiest route).
    body = job_page_json(web(request).spool.conn(), states=[s.value for s in state] if state else None,
                         template=template, limit=limit, before=before)
    return Response(body, media_type="application/json")


@router.get("/{job_id}", summary="One job with its audit trail", response_model=None,
            responses={200: {"model": JobDetail}, **protected(404)}, openapi_extra=VIEWER.describe())
async def job_detail(request: Request, job_id: JobId, principal: Annotated[Principal, Depends(VIEWER)]) -> Response:
    """The job, its document data (masked for viewers), its audit trail, and the actions allowed."""
    conn = web(request).spool.conn()
    job = get_job(conn, job_id)
    data = payload_data(job.payload)
    trail = [entry.to_json() for entry in audit.entries(conn, job=job.id)]
    return json_response({
        "job": job_summary(job), "data": mask_data(data) if principal.masked else data,
        "masked": principal.masked, "audit": trail,
        "actions": actions.allowed_actions(job, can_operate=principal.at_least(Role.OPERATOR),
                                           pin_attempts=web(request).cfg.release.pin_attempts)
        + actions.tray_actions(conn, job, can_operate=principal.at_least(Role.OPERATOR))})


def _changed(request: Request, job_id: str, state: str) -> None:
    web(request).relay.publish("job", {"job": job_id, "state": state})


@router.post("/{job_id}/retry", summary="Retry a held job", response_model=None,
             responses={200: {"model": JobResult}, **protected(404, 409)}, openapi_extra=OPERATOR.describe())
def job_retry(request: Request, job_id: JobId, principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """Send a held job back to the stage that failed (render, print, or load again)."""
    job = actions.retry(web(request).spool.conn(), job_id, actor=principal.actor)
    _changed(request, job.id, job.state.value)
    return json_response({"job": job_summary(job)})


@router.post("/{job_id}/cancel", summary="Cancel a job before release", response_model=None,
             responses={200: {"model": JobResult}, **protected(404, 409)}, openapi_extra=OPERATOR.describe())
def job_cancel(request: Request, job_id: JobId, body: CancelBody,
               principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """Withdraw a job that has not been released (its paper stays in its slot for staff)."""
    job = actions.cancel(web(request).spool.conn(), job_id, actor=principal.actor, reason=body.reason)
    _changed(request, job.id, job.state.value)
    return json_response({"job": job_summary(job)})


@router.post("/{job_id}/extend", summary="Extend the pickup window", response_model=None,
             responses={200: {"model": JobResult}, **protected(404, 409)}, openapi_extra=OPERATOR.describe())
def job_extend(request: Request, job_id: JobId, body: ExtendBody,
               principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """Move a waiting job's pickup deadline later (at most 90 days ahead)."""
    job = actions.extend(web(request).spool.conn(), job_id, body.pickup_expires, actor=principal.actor)
    _changed(request, job.id, job.state.value)
    return json_response({"job": job_summary(job)})


@router.post("/{job_id}/confirm_collected", summary="Staff found a released document's slot empty",
             response_model=None, responses={200: {"model": JobResult}, **protected(404, 409)},
             openapi_extra=OPERATOR.describe())
def job_confirm_collected(request: Request, job_id: JobId,
                          principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """A released document the station could not settle: staff opened the slot, it was empty (collected)."""
    job = actions.confirm_collected(web(request).spool.conn(), job_id, actor=principal.actor)
    _changed(request, job.id, job.state.value)
    return json_response({"job": job_summary(job)})


@router.post("/{job_id}/paper_inside", summary="Staff found a released document still inside",
             response_model=None, responses={200: {"model": JobResult}, **protected(404, 409)},
             openapi_extra=OPERATOR.describe())
def job_paper_inside(request: Request, job_id: JobId, principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """The paper is still there: a locker document waits in its slot again, a dispenser's is retained."""
    job = actions.paper_inside(web(request).spool.conn(), job_id, actor=principal.actor)
    _changed(request, job.id, job.state.value)
    return json_response({"job": job_summary(job)})


@router.post("/{job_id}/tray_check", summary="Staff looked in the printer's tray for an extra copy",
             response_model=None, responses={200: {"model": JobResult}, **protected(404, 409)},
             openapi_extra=OPERATOR.describe())
def job_tray_check(request: Request, job_id: JobId, body: TrayCheckBody,
                   principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """One copy found and destroyed (`found: true`), or none: closes the job's oldest open tray check."""
    conn = web(request).spool.conn()
    actions.tray_checked(conn, job_id, found=body.found, actor=principal.actor)
    return json_response({"job": job_summary(get_job(conn, job_id))})


@router.post("/{job_id}/reprint", summary="Print a job again", response_model=None,
             responses={200: {"model": DaemonResult}, **protected(404, 409, 501, 502, 503)},
             openapi_extra=OPERATOR.describe())
async def job_reprint(request: Request, job_id: JobId,
                      principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """Ask the daemon to print the document again (recorded as a reprint)."""
    get_job(web(request).spool.conn(), job_id)
    result = await daemon(request, ops.JOB_REPRINT, {"job": job_id}, principal.actor)
    return json_response({"job": job_summary(get_job(web(request).spool.conn(), job_id)),
                          "result": result if isinstance(result, dict) else {"result": result}})


@router.post("/{job_id}/move", summary="Move a staged document to another slot", response_model=None,
             responses={200: {"model": DaemonResult}, **protected(404, 409, 501, 502, 503)},
             openapi_extra=OPERATOR.describe())
async def job_move(request: Request, job_id: JobId, body: MoveBody,
                   principal: Annotated[Principal, Depends(OPERATOR)]) -> Response:
    """Ask the daemon to move the document to another slot (it opens both doors for staff)."""
    get_job(web(request).spool.conn(), job_id)
    result = await daemon(request, ops.JOB_MOVE, {"job": job_id, "slot": body.slot}, principal.actor)
    return json_response({"job": job_summary(get_job(web(request).spool.conn(), job_id)),
                          "result": result if isinstance(result, dict) else {"result": result}})
