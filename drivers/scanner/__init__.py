"""QR scanners: serial (lines ended by CR or LF) and keyboard wedge (evdev, grabbed).

Both give whole `Scan`s through `read(timeout)`; `open_scanner` builds the
one a station's `[scanner]` section names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from .errors import ScannerError
from .lines import LineSplitter, Scan
from .reader import ScannerReader
from .serial_scanner import SerialScanner
from .settings import ScannerSettings
from .wedge import WedgeScanner

__all__ = ["Scan", "Scanner", "ScannerError", "ScannerReader", "SerialScanner", "WedgeScanner", "LineSplitter",
           "make_scanner", "open_scanner"]


class Scanner(Protocol):
    """What the release flow needs of a scanner."""

    path: str
    online: bool

    def open(self) -> None:
        """Open the device (a missing or denied one is raised)."""

    def read(self, timeout: float | None = None) -> Scan | None:
        """The next whole scan, or None if none came within `timeout` seconds (a missing device is looked for)."""

    def close(self) -> None:
        """Let go of the device."""


def make_scanner(section: ScannerSettings, base_dir: Path = Path(".")) -> Scanner | None:
    """The scanner a `[scanner]` section describes, not yet opened (None for driver "none")."""
    if section.driver == "none":
        return None
    port = section.port if section.port.startswith("/") else str(base_dir / section.port)
    if section.driver == "evdev":
        return WedgeScanner(port, partial_timeout=section.partial_timeout_seconds)
    return SerialScanner(port, section.baud, partial_timeout=section.partial_timeout_seconds)


def open_scanner(section: ScannerSettings, base_dir: Path = Path(".")) -> Scanner | None:
    """The (opened) scanner a `[scanner]` section describes; None for driver "none"."""
    scanner = make_scanner(section, base_dir)
    if scanner is not None:
        scanner.open()
    return scanner
