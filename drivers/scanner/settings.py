"""The settings of the QR scanner (the `[scanner]` section of a station's configuration)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from drivers.settings import Settings


class ScannerSettings(Settings):
    """Which scanner, on which port."""

    driver: Literal["serial", "evdev", "none"] = "serial"
    port: str = "/dev/ttyACM0"
    baud: int = 9600
    partial_timeout_seconds: float = Field(0.3, gt=0)
