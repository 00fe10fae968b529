"""What the routers share: the web state of a request, and the daemon call."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from station.runtime.control import ControlError

from ..state import WebState


def web(request: Request) -> WebState:
    """The web process's shared state."""
    return request.app.state.web


async def daemon(request: Request, op: str, args: dict[str, Any] | None = None, actor: str = "system") -> Any:
    """Ask the daemon to do something only it can (ControlError, with its status, if refused).

    A daemon that does not offer `op` at all answers 501 here, not the 404 of
    its control socket (which would read as "no such job or slot").
    """
    try:
        return await web(request).control.acall(op, args or {}, actor)
    except ControlError as err:
        if err.http_status == 404 and str(err) == f"unknown command {op!r}":
            raise ControlError(f"this station's daemon does not offer {op!r}", http_status=501) from None
        raise
