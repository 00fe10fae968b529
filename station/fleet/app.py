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

from station.web.gate import Gate

from .view import PrometheusUnreachable, fleet
from .webhook import WEBHOOK_PREFIX, WebhookCredential

STATIC = Path(__file__).with_name("static")
RECEIVERS = ("on-call", "ops-desk", "command-center")
KEEP_NOTIFICATIONS = 100
MAX_WEBHOOK_BYTES = 1_000_000
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
            items.append(Notification(now, receiver, _text(alert.get("status")), _text(labels.get("alertname")),
                                      _text(labels.get("station")), _text(labels.get("severity")),
                                      _text(notes.get("summary")), _text(notes.get("summary_en"))))
        with self._lock:
            self._items.extend(items)
        return len(items)

    def latest(self, count: int = 20) -> list[dict[str, Any]]:
        """The newest first."""
        with self._lock:
            return [asdict(n) for n in reversed(self._items)][:count]


def _address(value: Address) -> str | None:
    return value() if callable(value) else value


def _text(value: Any, limit: int = 300) -> str:
    return value[:limit] if isinstance(value, str) else ""


Address = str | Callable[[], str | None] | None


def create_app(prometheus: Address, *, alertmanager: Address = None,
               webhook: WebhookCredential | None = None) -> FastAPI:
    """The command center for the Prometheus at `prometheus` (or where a callable says, once it is known).

    `webhook`: the secret Alertmanager presents; without one the webhook takes nothing.
    """
    app = FastAPI(title="MPP command center", docs_url=None, redoc_url=None, openapi_url=None)
    credential = webhook or WebhookCredential(None)
    app.add_middleware(Gate, guard=credential.guard, timeout_s=WEBHOOK_TIMEOUT_S,
                       cap=lambda path: MAX_WEBHOOK_BYTES if path.startswith(WEBHOOK_PREFIX) else 0)
    notifications = Notifications()
    app.state.notifications = notifications

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
        return JSONResponse({**view, "notifications": notifications.latest(),
                             "prometheus": prometheus_url, "alertmanager": _address(alertmanager),
                             "at": time.time()})

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
