"""The web app of the station: spool API, live events, metrics, kiosk screen, operations page."""

from .app import create_app

__all__ = ["create_app"]
