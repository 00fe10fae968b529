"""A serial QR scanner simulator: scans typed into a pseudo-terminal at the baud rate.

`ScannerSim("/tmp/scanner").start().send("MPP1:...")` puts one scan on the
line; `station sim scanner --link PATH` sends each line of standard input
(`simulators/cli/sim_scanner_cmd.py`).
"""

from __future__ import annotations

import os
import threading
import time

from .errors import SimulatorError
from .ptylink import PtyLink

ENDINGS = {"cr": b"\r", "lf": b"\n", "crlf": b"\r\n"}


class ScannerSim:
    """A scanner whose serial end is at `link`."""

    def __init__(self, link: str | os.PathLike[str], *, baud: int = 9600, end: str = "cr") -> None:
        if end not in ENDINGS:
            raise SimulatorError(f"line end must be one of {', '.join(ENDINGS)}")
        self.link = PtyLink(link)
        self.byte_time = 10.0 / baud
        self.end = ENDINGS[end]
        self.sent = 0
        self._lock = threading.Lock()

    def start(self) -> ScannerSim:
        """Create the pty and its link."""
        if not self.link.is_open:
            self.link.open()
        return self

    def stop(self) -> None:
        """Remove the link and close the pty."""
        self.link.close()

    def __enter__(self) -> ScannerSim:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def send(self, text: str) -> None:
        """One scan: the text and the line end, at wire speed."""
        self.send_raw(text.encode("utf-8", "surrogateescape") + self.end)  # bytes read as they came
        self.sent += 1

    def send_raw(self, data: bytes) -> None:
        """Bytes as they are (a partial scan, noise), at wire speed; returns when the last is sent.

        One write, then the wire's time: a scanner's burst is never cut by this process being
        descheduled mid-line (a real UART keeps sending while nobody runs), and scans still follow
        each other no faster than the baud rate allows.
        """
        with self._lock:
            if self.link.master is None:
                raise SimulatorError("the scanner simulator is not running")
            start = time.monotonic()
            os.write(self.link.master, data)
            delay = start + len(data) * self.byte_time - time.monotonic()
            if delay > 0:
                time.sleep(delay)
