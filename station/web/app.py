"""The web app: the spool API under `/api/v1`, live events, metrics, the kiosk and operations pages.

It runs in a process of its own (`station serve`), reads the spool directly
(one SQLite connection per thread) and asks the daemon, over its control
socket, for what only the daemon can do.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.resources
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException

from drivers.errors import DeviceError
from spool.errors import SpoolError
from station.config import Config
from station.runtime.control import ControlClient
from station.errors import StationError
from station.events import EventBus
from station.version import version

from .auth import SECURITY_SCHEMES, Principal, identify
from .gate import API_PREFIX, BodyLimits, Gate
from .kiosk_key import KioskKey
from .metrics import StationMetrics
from .relay import EventRelay
from .respond import error_handler, http_error_handler, validation_error_handler
from .routes import (events, handover, health, jobs, kiosk, kiosk_code, kiosk_speech, pages, slots, station_info,
                     take_out, vocabulary)
from .routes.pages import STATIC
from .spool_access import SpoolAccess
from .state import WebState

API_DESCRIPTION = """\
The spool API of an MPP Station: jobs and their audit trails, slots, devices,
alarms, live events, and the actions staff take.

Authenticate with `Authorization: Bearer TOKEN`; tokens are made with
`station users add NAME --role viewer|operator|technician|admin` and shown once.
Roles are ranked (viewer < operator < technician < admin); each operation
names the least role it needs in `x-required-role`. Viewers see personal
data masked. Every action is recorded in the audit chain with its actor.
Refusals are RFC 9457 problem details (`application/problem+json`:
`{"type", "title", "status", "detail"}`, the detail one sentence) with a 4xx
status; 503 means the station daemon is not running. This page (`/docs`) is
served from the station itself: the kiosk has no internet."""

# Time a control-socket call may take before the API answers 503.
CONTROL_TIMEOUT_S = 10.0


def create_app(cfg: Config, *, control: ControlClient | None = None, kiosk_secret: str | None = None) -> FastAPI:
    """The web app for this station's configuration."""
    control = control or ControlClient(cfg.path(cfg.paths.control_socket), timeout=CONTROL_TIMEOUT_S)  # type: ignore[arg-type]
    bus = EventBus()
    station_metrics = StationMetrics(cfg)
    # The kiosk key file, read live; tests may give a fixed secret instead.
    kiosk_credential = (KioskKey(cfg.path(cfg.paths.kiosk_key)) if kiosk_secret is None  # type: ignore[arg-type]
                        else (lambda: kiosk_secret))
    state = WebState(cfg=cfg, spool=SpoolAccess(cfg.spool_path), control=control, bus=bus,
                     relay=EventRelay(control, bus, observe=station_metrics.observe_event),
                     metrics=station_metrics, kiosk_key=kiosk_credential)
    # Fail now, clearly, if the spool is missing (not at the first request).
    state.spool.conn()
    voice = kiosk_speech.attach(state)  # (issue 24) the kiosk's speech, tones, chimes and headphone jack

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.relay.start()
        # The metrics' audit counters catch up with the chain now, not during the first scrape.
        warm_up = asyncio.get_running_loop().run_in_executor(None, station_metrics.spool.catch_up)
        try:
            yield
        finally:
            state.stopping.set()
            await state.relay.stop()
            await warm_up
            voice.close()
            station_metrics.close()
            state.spool.close()

    app = FastAPI(title=f"MPP Station {cfg.station.id}", version=version(), description=API_DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.web = state
    app.state.voice = voice
    for router in (jobs.router, slots.router, station_info.router, kiosk.router, kiosk_code.router,
                   kiosk_speech.router, handover.router, events.router, health.router, pages.router,
                   vocabulary.router, take_out.router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _serve_docs(app)
    _document_security(app)
    app.add_exception_handler(StationError, error_handler)
    app.add_exception_handler(SpoolError, error_handler)
    app.add_exception_handler(DeviceError, error_handler)
    app.add_exception_handler(HTTPException, http_error_handler)
    app.add_exception_handler(RequestValidationError, validation_error_handler)
    # Outermost of our own: the caller is known, and the body bounded, before any route reads it.
    limits = BodyLimits.from_config(cfg)
    app.add_middleware(Gate, guard=lambda path, headers: _caller(path, headers, state), cap=limits.cap,
                       timeout_s=limits.timeout_s)
    return app


def _caller(path: str, headers: Headers, state: WebState) -> Principal | None:
    """Everything under /api/ needs a credential, known from the headers alone (the gate asks before the body)."""
    return identify(headers.get("authorization", ""), state) if path.startswith(API_PREFIX) else None


def _serve_docs(app: FastAPI) -> None:
    """`/docs`: Swagger UI from files installed with the station (no CDN: the kiosk is offline).

    Swagger UI 5, which reads the OpenAPI 3.1 document FastAPI writes (4.x said "Unable to render this
    definition"): the static files of the fastapi-offline package, locked with hashes (its Python code is
    not used).
    """
    app.mount("/docs-files", StaticFiles(directory=str(importlib.resources.files("fastapi_offline") / "static")),
              name="docs-files")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title=f"{app.title} · API",
                                   swagger_js_url="/docs-files/swagger-ui-bundle.js",
                                   swagger_css_url="/docs-files/swagger-ui.css",
                                   swagger_favicon_url="/docs-files/favicon.png")


def _document_security(app: FastAPI) -> None:
    """Name the bearer scheme in the OpenAPI document (routes refer to it through their requirement)."""
    build = app.openapi

    def openapi() -> dict:
        document = build()  # cached by FastAPI: the scheme is added once
        document.setdefault("components", {}).setdefault("securitySchemes", SECURITY_SCHEMES)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
