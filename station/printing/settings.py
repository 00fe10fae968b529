"""The print stage's settings, in one value (the stage's constructor stays short)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from drivers.printer.settings import PrinterSettings
from station.printing.attempt import OptionsFor, default_options


@dataclass(frozen=True)
class StageSettings:
    """How the stage feeds and judges: limits, paper, the output sensor's wait, the clock."""

    max_in_flight: int = 2
    max_attempts: int = 3
    media: str = "iso_a4_210x297mm"
    sensor_seconds: float = 10.0
    poll_seconds: float = 1.0
    actor: str = "system"
    options_for: OptionsFor | None = None  # per job (templates); None: the configured paper, one side
    clock: Callable[[], float] = time.monotonic

    @classmethod
    def from_config(cls, section: PrinterSettings) -> StageSettings:
        """The configured limits of the `[printer]` section."""
        return cls(max_in_flight=section.max_in_flight, max_attempts=section.max_attempts, media=section.media,
                   sensor_seconds=section.sensor_seconds, poll_seconds=section.poll_seconds)

    def options(self) -> OptionsFor:
        """The options for a job: the template's, else the configured paper's."""
        return self.options_for or default_options(self.media)
