"""The kiosk screen and the operations page: static HTML, CSS and JavaScript served by the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ..kiosk_key import matches
from .common import web

STATIC = Path(__file__).resolve().parents[1] / "static"
_TOKEN_SLOT = "{{KIOSK_TOKEN}}"
KIOSK_COOKIE = "mpp_kiosk"
# The kiosk's browser keeps its pairing for a year (a new key in the file ends it sooner).
KIOSK_COOKIE_AGE_S = 365 * 86400
# The page makes no outside requests; the key in its first URL must not leak in a Referer either.
_PAGE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

router = APIRouter(include_in_schema=False)


@router.get("/")
async def root() -> RedirectResponse:
    """The operations page is the default."""
    return RedirectResponse("/ops")


@router.get("/kiosk")
async def kiosk_page(request: Request, key: str | None = None) -> Response:
    """The citizen's screen; it carries the kiosk credential only for the kiosk's own browser.

    `/kiosk?key=KEY` (the key of `[paths] kiosk_key`) pairs a browser: it is
    answered with a redirect to `/kiosk` and an HttpOnly cookie holding the
    key, so the key leaves the address bar and history. A page requested
    with that cookie carries the credential; any other page does not,
    wherever the request comes from.
    """
    current = web(request).kiosk_key()
    if key is not None:
        redirect = RedirectResponse("/kiosk", status_code=303, headers=_PAGE_HEADERS)
        if matches(key, current):
            redirect.set_cookie(KIOSK_COOKIE, key, max_age=KIOSK_COOKIE_AGE_S, path="/kiosk", httponly=True,
                                samesite="strict", secure=request.url.scheme == "https")
        return redirect
    paired = matches(request.cookies.get(KIOSK_COOKIE), current)
    html = (STATIC / "kiosk.html").read_text(encoding="utf-8")
    html = html.replace(_TOKEN_SLOT, current if paired and current else "")
    return HTMLResponse(html, headers=_PAGE_HEADERS)


@router.get("/ops")
async def ops_page() -> HTMLResponse:
    """The operations page (it asks for a staff token)."""
    return HTMLResponse((STATIC / "ops.html").read_text(encoding="utf-8"), headers={"Cache-Control": "no-store"})
