"""The settings of the printer (the `[printer]` section of a station's configuration)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from drivers.settings import Settings


class PrinterSettings(Settings):
    """Which printer, how fast, how many jobs at it at once, and how hard to try."""

    driver: Literal["sim", "cups"] = "sim"
    queue: str = "kiosk-a4"
    uri: str = ""
    pages_per_minute: float = Field(30.0, gt=0)
    max_in_flight: int = Field(2, ge=1, le=32)
    max_attempts: int = Field(3, ge=1, le=20)
    media: str = "iso_a4_210x297mm"
    server: str = ""
    raw: bool = True
    poll_seconds: float = Field(1.0, gt=0, le=60)
    sensor_seconds: float = Field(10.0, gt=0, le=600)
    # Driver "sim" only: each printed document is appended to this file (the simulated paper tray).
    sim_output: str = ""
