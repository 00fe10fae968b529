"""A QR scanner on a serial port (or a USB CDC-ACM one): whole scans, reconnecting when unplugged."""

from __future__ import annotations

import logging
import os
import select
import time
from collections import deque
from collections.abc import Callable, Iterator

import serial

from drivers.serialport import PortDenied, PortError, PortVanished, classify, open_port

from .lines import LineSplitter, Scan, decode_scan
from .reconnect import Reconnect

log = logging.getLogger("station.scanner")


class SerialScanner:
    """Scans from one serial port; only that port's bytes can ever make a scan.

    `read` opens the port when it is not open (never opened, or lost), so a
    scanner that is plugged in after start is found within about a second.
    """

    def __init__(self, path: str, baud: int = 9600, *, partial_timeout: float = 0.3,
                 opener: Callable[[str, int], serial.Serial] = open_port) -> None:
        self.path = path
        self.baud = baud
        self.online = False
        self.splitter = LineSplitter(partial_timeout)
        self._opener = opener
        self._port: serial.Serial | None = None
        self._ready: deque[Scan] = deque()
        self._reconnect_pacing = Reconnect()

    def open(self) -> None:
        """Open the port now; a missing or denied port is raised (later losses are retried)."""
        self._port = self._opener(self.path, self.baud)
        self.online = True
        self._reconnect_pacing.succeeded()

    def close(self) -> None:
        """Close the port."""
        port, self._port = self._port, None
        self.online = False
        if port is not None:
            try:
                port.close()
            except (OSError, serial.SerialException):
                pass

    def __enter__(self) -> SerialScanner:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read(self, timeout: float | None = None) -> Scan | None:
        """The next whole scan, or None if none came within `timeout` seconds (None: wait for ever)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        drained_at: float | None = None  # when the port's buffer was last seen empty
        while not self._ready:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return None
            if self._port is None:
                self._reconnect(deadline)
                continue
            wake = [t for t in (deadline, self.splitter.deadline) if t is not None]
            wait = max(0.0, min(wake) - now) if wake else None
            try:
                ready, _, _ = select.select([self._port.fileno()], [], [], wait)
                data = os.read(self._port.fileno(), 4096) if ready else None
            except OSError as err:
                self._lost(classify(self.path, err))
                continue
            now = time.monotonic()
            if data is None:
                drained_at = now
                self.splitter.expire(now)
                continue
            if not data:
                self._lost(PortVanished(f"scanner {self.path} disconnected"))
                continue
            # Bytes read late (this thread was not scheduled) may have arrived in time: a busy machine
            # must not cut a scan in two.
            lines = self.splitter.feed(data, now, arrived_after=drained_at)
            drained_at = now if len(data) < 4096 else drained_at
            self._ready.extend(Scan(decode_scan(line), now) for line in lines)
        return self._ready.popleft()

    def __iter__(self) -> Iterator[Scan]:
        while True:
            scan = self.read()
            if scan is not None:
                yield scan

    def _lost(self, err: PortError) -> None:
        log.warning("scanner %s lost: %s", self.path, err)
        self.close()
        self.splitter.expire(float("inf"))  # half a scan from before the loss is no scan

    def _reconnect(self, deadline: float | None) -> None:
        if not self._reconnect_pacing.wait(deadline):
            return
        try:
            self.open()
            log.info("scanner %s is online", self.path)
        except PortDenied:
            self._reconnect_pacing.failed()
            raise
        except PortError:
            self._reconnect_pacing.failed()
