"""The kiosk screen and the operations page: static HTML, CSS and JavaScript served by the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from .common import web

STATIC = Path(__file__).resolve().parents[1] / "static"
LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
_TOKEN_SLOT = "{{KIOSK_TOKEN}}"

router = APIRouter(include_in_schema=False)


@router.get("/")
async def root() -> RedirectResponse:
    """The operations page is the default."""
    return RedirectResponse("/ops")


@router.get("/kiosk")
async def kiosk_page(request: Request) -> HTMLResponse:
    """The citizen's screen; loaded on the station's own machine it carries the kiosk credential."""
    html = (STATIC / "kiosk.html").read_text(encoding="utf-8")
    local = request.client is not None and request.client.host in LOOPBACK
    # Only a page loaded on this machine (the kiosk's own browser) may act as the kiosk.
    html = html.replace(_TOKEN_SLOT, web(request).kiosk_secret if local else "")
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/ops")
async def ops_page() -> HTMLResponse:
    """The operations page (it asks for a staff token)."""
    return HTMLResponse((STATIC / "ops.html").read_text(encoding="utf-8"), headers={"Cache-Control": "no-store"})
