"""QR scanners: serial (lines ended by CR or LF) and keyboard wedge (evdev, grabbed).

Both give whole `Scan`s through `read(timeout)`; `open_scanner` builds the
one a station's `[scanner]` section names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


from .errors import ScannerError
from .lines import LineSplitter, Scan
from .serial_scanner import SerialScanner
from .settings import ScannerSettings
from .wedge import WedgeScanner

__all__ = ["Scan", "Scanner", "ScannerError", "SerialScanner", "WedgeScanner", "LineSplitter", "open_scanner"]


class Scanner(Protocol):
    """What the release flow needs of a scanner."""

    def open(self) -> None:
        """Open the device (a missing or denied one is raised)."""

    def read(self, timeout: float | None = None) -> Scan | None:
        """The next whole scan, or None if none came within `timeout` seconds."""

    def close(self) -> None:
        """Let go of the device."""


def open_scanner(section: ScannerSettings, base_dir: Path = Path(".")) -> Scanner | None:
    """The (opened) scanner a `[scanner]` section describes; None for driver "none"."""
    if section.driver == "none":
        return None
    port = section.port if section.port.startswith("/") else str(base_dir / section.port)
    scanner: Scanner
    if section.driver == "evdev":
        scanner = WedgeScanner(port, partial_timeout=section.partial_timeout_seconds)
    else:
        scanner = SerialScanner(port, section.baud, partial_timeout=section.partial_timeout_seconds)
    scanner.open()
    return scanner
