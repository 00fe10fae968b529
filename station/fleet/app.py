"""The command-center web app: the page, its data from Prometheus, and Alertmanager's webhook.

- `GET /`: the page (Indonesian first, English beside it; nothing fetched
  from anywhere but here);
- `GET /api/fleet`: every station's row (`view.py`), the summary, the
  latest notifications; 502 with one sentence when Prometheus is away;
- `POST /alerts/{receiver}`: Alertmanager's webhook (`alertmanager.yml`
  routes `on-call`, `ops-desk` and `command-center` here): the page lists
  what was sent, to whom, firing or resolved. Only Alertmanager, with the
  shared secret, posting JSON (`webhook.py`), at most 1 MB, known before
  the body is read (the station's gate, station/web/gate.py).
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from starlette.datastructures import Headers

from station.errors import StationError
from station.runtime.roles import require
from station.web.auth import Principal
from station.web.gate import Gate

from . import silences
from .staff import Staff
from .view import PrometheusUnreachable, fleet
from .webhook import WEBHOOK_PREFIX, WebhookCredential
from .words import DEFAULT_ZONE, local_time, zone_for

STATIC = Path(__file__).with_name("static")
RECEIVERS = ("on-call", "ops-desk", "command-center")
KEEP_NOTIFICATIONS = 100
MAX_WEBHOOK_BYTES = 1_000_000
MAX_ASK_BYTES = 4096
STAFF_PREFIX = "/api/s"  # /api/silences, /api/staff/me: staff only
WEBHOOK_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Notification:
    """One alert as Alertmanager sent it to a receiver."""

    at: float
    receiver: str
    status: str
    alertname: str
    station: str
    severity: str
    summary: str
    summary_en: str
    zone: str = DEFAULT_ZONE

    def as_dict(self) -> dict[str, Any]:
        """The notification as the page reads it, its time in its station's zone."""
        return {**asdict(self), "when": local_time(self.at, self.zone)}


class Notifications:
    """The latest notifications Alertmanager sent here (thread-safe)."""

    def __init__(self) -> None:
        self._items: deque[Notification] = deque(maxlen=KEEP_NOTIFICATIONS)
        self._lock = threading.Lock()

    def take(self, receiver: str, body: Any) -> int:
        """Record the alerts of one webhook call; returns how many (ValueError for a body that is not one)."""
        if not isinstance(body, dict) or not isinstance(body.get("alerts"), list):
            raise ValueError('a webhook body is {"alerts": [...], ...}')
        now = time.time()
        items = []
        for alert in body["alerts"]:
            if not isinstance(alert, dict):
                raise ValueError("each alert is an object")
            labels, notes = alert.get("labels", {}), alert.get("annotations", {})
            if not isinstance(labels, dict) or not isinstance(notes, dict):
                raise ValueError("labels and annotations are objects")
            status = _text(alert.get("status"))
            # A resolved alert says what recovered, not its firing sentence again.
            said = ("resolved", "resolved_en") if status == "resolved" and notes.get("resolved") else \
                ("summary", "summary_en")
            items.append(Notification(now, receiver, status, _text(labels.get("alertname")),
                                      _text(labels.get("station")), _text(labels.get("severity")),
                                      _text(notes.get(said[0])), _text(notes.get(said[1])),
                                      zone_for(_text(labels.get("province")))))
        self._add(items)
        return len(items)

    def note_silence(self, ask: silences.Ask, actor: str, zone: str) -> None:
        """List an acknowledge or a silence made from this page among the notifications."""
        said = {"ack": ("ditangani oleh", "acknowledged by"), "silence": ("disenyapkan oleh", "silenced by")}[ask.kind]
        self._add([Notification(time.time(), "command-center", ask.kind, ask.alertname, ask.station, "info",
                                f"{said[0]} {actor}: {ask.comment}", f"{said[1]} {actor}", zone)])

    def _add(self, items: list[Notification]) -> None:
        with self._lock:
            self._items.extend(items)

    def latest(self, count: int = 20) -> list[dict[str, Any]]:
        """The newest first."""
        with self._lock:
            return [n.as_dict() for n in reversed(self._items)][:count]


def _address(value: Address) -> str | None:
    return value() if callable(value) else value


def _text(value: Any, limit: int = 300) -> str:
    return value[:limit] if isinstance(value, str) else ""


Address = str | Callable[[], str | None] | None


def create_app(prometheus: Address, *, alertmanager: Address = None, webhook: WebhookCredential | None = None,
               staff: Staff | None = None, zone: str = DEFAULT_ZONE) -> FastAPI:
    """The command center for the Prometheus at `prometheus` (or where a callable says, once it is known).

    `webhook`: the secret Alertmanager presents; without one the webhook takes nothing.
    `staff`: who may acknowledge and silence; without it nobody may. `zone`: the page's own clock.
    """
    app = FastAPI(title="MPP command center", docs_url=None, redoc_url=None, openapi_url=None)
    credential = webhook or WebhookCredential(None)
    members = staff or Staff()

    def guard(path: str, headers: Headers) -> Any:
        if path.startswith(STAFF_PREFIX):
            return members.identify(headers.get("authorization", ""))
        return credential.guard(path, headers)

    app.add_middleware(Gate, guard=guard, timeout_s=WEBHOOK_TIMEOUT_S,
                       cap=lambda path: MAX_WEBHOOK_BYTES if path.startswith(WEBHOOK_PREFIX)
                       else MAX_ASK_BYTES if path.startswith(STAFF_PREFIX) else 0)
    notifications = Notifications()
    app.state.notifications = notifications

    def alertmanager_url() -> str:
        found = _address(alertmanager)
        if not found:
            raise StationError("this command center knows no Alertmanager: start it with --alertmanager",
                               http_status=503)
        return found.rstrip("/")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "command.html", media_type="text/html; charset=utf-8")

    @app.get("/api/fleet")
    async def stations() -> Response:
        prometheus_url = _address(prometheus) or "http://127.0.0.1:9090"
        try:
            view = await fleet(prometheus_url)
        except PrometheusUnreachable as err:
            return JSONResponse({"error": str(err)}, status_code=502)
        now = time.time()
        quiet: list[dict[str, Any]] = []
        if _address(alertmanager):
            try:
                quiet = await silences.active(alertmanager_url())
            except StationError:
                pass  # the rows still stand; the page just shows no acknowledgements
        zones = {row["station"]: row["zone"] for row in view["stations"]}
        for item in quiet:
            item["until"] = local_time(item["ends"], zones.get(item["station"], zone), seconds=False)
        return JSONResponse({**view, "notifications": notifications.latest(), "silences": quiet,
                             "prometheus": prometheus_url, "alertmanager": _address(alertmanager),
                             "at": now, "updated": local_time(now, zone)})

    @app.get("/api/staff/me")
    def whoami(request: Request) -> dict[str, str]:
        who: Principal = request.scope["user"]
        return {"name": who.name, "role": who.role.word if who.role else "", "actor": who.actor}

    @app.post("/api/silences")
    async def silence(request: Request) -> Response:
        who: Principal = request.scope["user"]
        try:
            ask = silences.Ask.parse(json.loads(await request.body()))
        except (ValueError, UnicodeDecodeError, RecursionError) as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        try:
            require(who.role, silences.KINDS[ask.kind], "acknowledge" if ask.kind == "ack" else "silence")
            silence_id = await silences.create(alertmanager_url(), ask, who.actor)
        except StationError as err:
            return JSONResponse({"error": str(err)}, status_code=err.http_status)
        notifications.note_silence(ask, who.actor, zone)
        return JSONResponse({"id": silence_id, "by": who.actor, "minutes": ask.minutes})

    @app.delete("/api/silences/{silence_id}")
    async def lift(silence_id: str, request: Request) -> Response:
        who: Principal = request.scope["user"]
        try:
            require(who.role, silences.LIFT_ROLE, "lifting a silence")
            await silences.lift(alertmanager_url(), silence_id)
        except StationError as err:
            return JSONResponse({"error": str(err)}, status_code=err.http_status)
        return JSONResponse({"lifted": silence_id, "by": who.actor})

    @app.post("/alerts/{receiver}")
    async def webhook(receiver: str, request: Request) -> Response:
        if receiver not in RECEIVERS:
            return JSONResponse({"error": f"no receiver {receiver!r}: one of {', '.join(RECEIVERS)}"}, status_code=404)
        data = await request.body()  # the gate has read it already, bounded
        try:
            taken = notifications.take(receiver, json.loads(data))
        except (ValueError, UnicodeDecodeError, RecursionError) as err:
            return JSONResponse({"error": f"not an Alertmanager webhook body: {err}"}, status_code=400)
        return JSONResponse({"taken": taken})

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
