"""What the web app's routes share: configuration, spool access, the daemon, live events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from station.config import Config
from station.runtime.control import ControlClient
from station.events import EventBus

from .metrics import StationMetrics
from .relay import EventRelay
from .spool_access import SpoolAccess


@dataclass
class WebState:
    """Everything one web process holds (kept on `app.state.web`)."""

    cfg: Config
    spool: SpoolAccess
    control: ControlClient
    bus: EventBus
    relay: EventRelay
    metrics: StationMetrics
    kiosk_key: Callable[[], str | None]  # the kiosk screen's credential as it is now
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
