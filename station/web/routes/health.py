"""`/healthz`, `/readyz` and `/metrics`: for systemd, load balancers and Prometheus (no token)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response

from spool import listings
from spool.errors import SpoolError
from station.runtime.control import ControlError

from ..metrics import CONTENT_TYPE
from ..models import Health, Readiness
from ..respond import json_response
from .common import daemon, web
from station.runtime import ops, readiness

router = APIRouter(tags=["health"])
# A scrape or a readiness probe never waits long for a busy daemon.
PROBE_TIMEOUT_S = 2.0


@router.get("/healthz", summary="The web process is alive", response_model=None,
            responses={200: {"model": Health}})
async def healthz() -> Response:
    """Always ok while this process serves."""
    return json_response({"status": "ok"})


@router.get("/readyz", summary="Ready: the spool opens, the daemon answers, the disk has room", response_model=None,
            responses={200: {"model": Readiness}, 503: {"model": Readiness, "description": "Not ready"}})
async def readyz(request: Request) -> Response:
    """200 when the spool can be read, the daemon is ready, its disk is not critical and every device a release
    needs is there; 503 and why otherwise. The verdict is the daemon's own (`station status`'s headline and the
    `station_ready` metric say the same: station/runtime/readiness.py)."""
    spool_error = None
    try:
        listings.probe(web(request).spool.conn())
    except (SpoolError, OSError, Exception) as err:  # noqa: BLE001 - a probe reports, never raises
        spool_error = str(err)
    verdict = readiness.overall(await daemon_readiness(request), spool_error)
    return json_response({"ready": verdict.ready, "spool": spool_error is None,
                          "daemon": verdict.started and not verdict.missing, "disk": verdict.disk_ok,
                          "detail": verdict.reasons[0] if verdict.reasons else None, "missing": verdict.missing,
                          "reasons": verdict.reasons}, 200 if verdict.ready else 503)


async def daemon_readiness(request: Request) -> readiness.Readiness:
    """The daemon's verdict, or why there is none (it did not answer in time)."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            return readiness.from_reply(await daemon(request, ops.STATION_READINESS))
    except ControlError as err:
        return readiness.unreachable(f"daemon: {err or 'no answer'}")
    except TimeoutError:
        return readiness.unreachable("daemon: no answer in time")


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {"example": 'station_jobs{state="staged"} 12\n'}}}})
async def metrics(request: Request) -> Response:
    """The station's metrics for Prometheus (station/web/metrics.py lists them)."""
    state = web(request)
    facts = await state.metrics.ask_daemon(state.control, request.headers.get("X-Prometheus-Scrape-Timeout-Seconds"))
    return Response(await run_in_threadpool(state.metrics.exposition, facts), media_type=CONTENT_TYPE)
