"""The printer a station's `[printer]` settings name: a CUPS queue, or the in-process simulator."""

from __future__ import annotations

from pathlib import Path

from .device import Printer
from .settings import PrinterSettings


def open_printer(settings: PrinterSettings, *, base_dir: Path = Path(".")) -> Printer:
    """The printer these settings describe (`sim_output` is relative to `base_dir`)."""
    if settings.driver == "sim":
        # The zero-install printer: the simulator stands in for the hardware, behind the same interface.
        from simulators.printer import SimPrinter

        output = Path(settings.sim_output) if settings.sim_output else None
        if output is not None and not output.is_absolute():
            output = base_dir / output
        return SimPrinter("sim", pages_per_minute=settings.pages_per_minute, output_log=output)
    from .cups_driver import CupsPrinter

    return CupsPrinter(settings.queue, server=settings.server, printer_uri=settings.uri, raw=settings.raw)
