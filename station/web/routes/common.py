"""What the routers share: the web state of a request, and the daemon call."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from ..state import WebState


def web(request: Request) -> WebState:
    """The web process's shared state."""
    return request.app.state.web


async def daemon(request: Request, op: str, args: dict[str, Any] | None = None, actor: str = "system") -> Any:
    """Ask the daemon to do something only it can (ControlError, with its status, if refused)."""
    return await web(request).control.acall(op, args or {}, actor)
