"""The web app of the station: spool API, live events, metrics, kiosk screen, operations page."""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    # Lazy: importing a module of `station.web` must not load fastapi.
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(name)
