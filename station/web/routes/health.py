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
from station.runtime import ops

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
    needs is there; 503 and why otherwise."""
    spool_ok, daemon_ok, disk_ok, detail, missing = True, False, None, None, []
    try:
        listings.probe(web(request).spool.conn())
    except (SpoolError, OSError, Exception) as err:  # noqa: BLE001 - a probe reports, never raises
        spool_ok, detail = False, f"spool: {err}"
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            ping = await daemon(request, ops.STATION_PING)
        daemon_ok = bool(isinstance(ping, dict) and ping.get("ready"))
        if not daemon_ok:
            detail = detail or "daemon: starting"
        else:  # ready only when the devices a release needs are there
            missing = await _missing_devices(request)
            if missing:
                daemon_ok, detail = False, detail or f"missing: {'; '.join(missing)}"
        disk = ping.get("disk") if isinstance(ping, dict) else None
        if isinstance(disk, dict):  # the daemon's own reading: it needs no disk to answer
            disk_ok = not disk.get("critical")
            if not disk_ok:
                detail = detail or str(disk.get("reason") or "disk: critical")
    except (ControlError, TimeoutError) as err:
        detail = detail or f"daemon: {err or 'no answer'}"
    ready = spool_ok and daemon_ok and disk_ok is not False
    return json_response({"ready": ready, "spool": spool_ok, "daemon": daemon_ok, "disk": disk_ok,
                          "detail": detail, "missing": missing}, 200 if ready else 503)


async def _missing_devices(request: Request) -> list[str]:
    """The devices a release needs that the daemon does not have (none known if it cannot say)."""
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            found = await daemon(request, ops.STATION_READINESS)
    except ControlError as err:
        return [] if err.http_status == 501 else [f"devices unknown ({err})"]
    except TimeoutError:
        return ["devices unknown (the daemon did not answer in time)"]
    missing = found.get("missing") if isinstance(found, dict) else None
    return [str(m) for m in missing] if isinstance(missing, list) else []


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse,
            responses={200: {"content": {"text/plain": {"example": 'station_jobs{state="staged"} 12\n'}}}})
async def metrics(request: Request) -> Response:
    """The station's metrics for Prometheus (station/web/metrics.py lists them)."""
    state = web(request)
    facts = await state.metrics.ask_daemon(state.control, request.headers.get("X-Prometheus-Scrape-Timeout-Seconds"))
    return Response(await run_in_threadpool(state.metrics.exposition, facts), media_type=CONTENT_TYPE)
