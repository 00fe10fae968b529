"""The station's scanner thread: reads scans for the counter, through losses, and says how the scanner is.

The scanner driver itself finds a missing or lost port again (`reconnect`);
this thread only reads and hands each whole scan on. A scanner that cannot
be used for a reason a person must fix (access denied, evdev missing) is
reported and tried again every few seconds, so a fixed permission takes
effect without a restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from drivers.errors import DeviceError

log = logging.getLogger("station.scanner")

READ_TIMEOUT_S = 0.5
FIX_RETRY_S = 3.0

OnScan = Callable[..., Any]


class ScannerReader:
    """Reads one scanner on a thread of its own until stopped."""

    def __init__(self, scanner: Any, on_scan: OnScan, *, name: str = "scanner") -> None:
        self.scanner = scanner
        self.on_scan = on_scan
        self.problem: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> ScannerReader:
        """Start reading (the port need not be there yet)."""
        self._thread.start()
        return self

    def stop(self, timeout: float = 3.0) -> None:
        """Stop reading and let go of the device."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        self.scanner.close()

    @property
    def online(self) -> bool:
        """True while the scanner's port is open."""
        return bool(getattr(self.scanner, "online", False))

    def status(self) -> dict[str, Any]:
        """`online` or `offline`, the port, and why when offline."""
        state = "online" if self.online else "offline"
        found: dict[str, Any] = {"state": state, "port": self.scanner.path}
        if state == "offline":
            found["detail"] = self.problem or f"scanner {self.scanner.path} is not there"
        return found

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                scan = self.scanner.read(timeout=READ_TIMEOUT_S)
            except DeviceError as err:
                if str(err) != self.problem:
                    log.warning("scanner: %s", err)
                self.problem = str(err)
                self._stop.wait(FIX_RETRY_S)
                continue
            self.problem = None
            if scan is not None:
                try:
                    self.on_scan(scan.text, received_at=scan.received_at)
                except Exception:  # noqa: BLE001 - the counter's trouble must not stop the scanner
                    log.exception("scanner: handing a scan on failed")
