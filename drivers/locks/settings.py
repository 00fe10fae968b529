"""The settings of a lock bus and its boards (the `[[bus]]` sections of a station's configuration)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from drivers.settings import Settings


class BoardSettings(Settings):
    """One lock board on a bus."""

    address: int = Field(1, ge=1, le=31)
    locks: int = Field(16, ge=1, le=24)
    locked_bit: Literal[0, 1] = 1
    feedback: Literal["door_closing", "door_opening"] = "door_closing"
    size: Literal["S", "M", "L"] = "M"
    accessible_locks: list[int] = []


class BusSettings(Settings):
    """One serial lock bus (an RS485 adapter) with its boards."""

    # Part of every slot's name (`A-1-05`): letters and digits only.
    name: str = Field("A", pattern=r"^[A-Za-z0-9]{1,8}$")
    port: str = "/dev/ttyUSB0"
    family: Literal["cu16", "8a80"] = "cu16"
    baud: int | None = None
    boards: list[BoardSettings] = [BoardSettings()]
    poll_seconds: float = Field(0.25, gt=0)
    reply_timeout_seconds: float | None = Field(None, gt=0)
    quiet_ms: float = Field(25.0, ge=0)
    gap_ms: float | None = Field(None, ge=0)
    confirm_seconds: float = Field(3.0, gt=0)
    unlock_spacing_ms: float = Field(250.0, ge=0)
    echo: Literal["auto", "yes", "no"] = "auto"
