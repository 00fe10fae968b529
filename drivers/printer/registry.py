"""Which code opens a printer of a given `driver`: built-in drivers, and those installed packages add.

"cups" is built in. Other drivers come from the entry-point group
`mpp_station.printer_drivers` (`NAME = "module:opener"` in a package's
pyproject): the simulation lab adds "sim", the in-process printer of the
zero-install demo. The drivers import nothing of the lab; the lab fills
the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

from drivers.errors import DeviceConfigError

from .device import Printer
from .settings import PrinterSettings

GROUP = "mpp_station.printer_drivers"

# An opener: the printer these settings describe (paths in them are relative to the base folder).
Opener = Callable[[PrinterSettings, Path], Printer]


def _open_cups(settings: PrinterSettings, base_dir: Path) -> Printer:
    from .cups_driver import CupsPrinter  # pycups, only for a station that prints through CUPS

    return CupsPrinter(settings.queue, server=settings.server, printer_uri=settings.uri, raw=settings.raw)


BUILT_IN: dict[str, Opener] = {"cups": _open_cups}


def installed() -> dict[str, Opener | None]:
    """Every driver name: the built-in openers, and None for an installed one (loaded when asked for)."""
    names: dict[str, Opener | None] = {point.name: None for point in entry_points(group=GROUP)}
    return names | BUILT_IN


def opener(driver: str) -> Opener:
    """The opener of `driver`: a built-in one, else the installed package's (a built-in cannot be replaced)."""
    if driver in BUILT_IN:
        return BUILT_IN[driver]
    for point in entry_points(group=GROUP, name=driver):
        found: Opener = point.load()
        return found
    known = ", ".join(sorted(installed()))
    raise DeviceConfigError(f"no printer driver {driver!r} is installed (installed: {known})")
