"""The printer a station's `[printer]` settings name, opened by the driver the registry holds for it."""

from __future__ import annotations

from pathlib import Path

from .device import Printer
from .registry import opener
from .settings import PrinterSettings


def open_printer(settings: PrinterSettings, *, base_dir: Path = Path(".")) -> Printer:
    """The printer these settings describe (paths in them, such as `sim_output`, are relative to `base_dir`)."""
    return opener(settings.driver)(settings, base_dir)
