"""A keyboard-wedge scanner through evdev: the device grabbed, a fixed US keymap.

Grabbing the input device (EVIOCGRAB) means its keystrokes reach the
station only, never the console or the kiosk browser; and the station reads
that one device only, so no other keyboard can type a scan. evdev is an
optional dependency: `pip install 'mpp-station[evdev]'`.
"""

from __future__ import annotations

import select
import time
from collections import deque
from typing import Any

from drivers.serialport import VANISHED_ERRNOS

from .errors import ScannerError, ScannerMissing
from .keymap import UsKeymap
from .lines import LineSplitter, Scan, decode_scan
from .reconnect import Reconnect

try:  # optional: only kiosks with a keyboard-wedge scanner need it
    import evdev
except ImportError:  # pragma: no cover - depends on the installation
    evdev = None

EV_KEY = 1


def _evdev() -> Any:
    if evdev is None:
        raise ScannerError("the evdev scanner driver needs the optional package evdev:"
                           " pip install 'mpp-station[evdev]'")
    return evdev


class WedgeScanner:
    """Scans typed by one grabbed input device."""

    def __init__(self, path: str, *, partial_timeout: float = 0.3) -> None:
        self.path = path
        self.splitter = LineSplitter(partial_timeout)
        self.keymap = UsKeymap()
        self._device: Any = None
        self._ready: deque[Scan] = deque()
        self._reconnect_pacing = Reconnect()

    @property
    def online(self) -> bool:
        """True while the device is open and grabbed."""
        return self._device is not None

    def open(self) -> None:
        """Open and grab the device; `ScannerError` if it cannot be had exclusively."""
        module = _evdev()
        try:
            device = module.InputDevice(self.path)
        except OSError as err:
            kind = ScannerMissing if err.errno in VANISHED_ERRNOS else ScannerError
            raise kind(f"scanner {self.path}: {err.strerror}") from None
        self._reconnect_pacing.succeeded()
        try:
            device.grab()
        except OSError as err:
            device.close()
            raise ScannerError(f"scanner {self.path} cannot be grabbed (another program holds it):"
                               f" {err.strerror}") from None
        self._device = device

    def close(self) -> None:
        """Release and close the device."""
        device, self._device = self._device, None
        if device is not None:
            try:
                device.ungrab()
            except OSError:
                pass
            device.close()

    def __enter__(self) -> WedgeScanner:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def feed(self, code: int, value: int, now: float) -> None:
        """One key event of the grabbed device (public so the keymap path is testable without evdev)."""
        char = self.keymap.feed(code, value)
        if char is None:
            self.splitter.expire(now)
            return
        raw = b"\n" if char == "\n" else char.encode("utf-8")
        self._ready.extend(Scan(decode_scan(line), now) for line in self.splitter.feed(raw, now))

    def read(self, timeout: float | None = None) -> Scan | None:
        """The next whole scan, or None if none came within `timeout` seconds (a missing device is looked for)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._ready:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                return None
            if self._device is None:
                self._reconnect(deadline)
                continue
            wake = [t for t in (deadline, self.splitter.deadline) if t is not None]
            wait = max(0.0, min(wake) - now) if wake else None
            try:
                ready, _, _ = select.select([self._device.fd], [], [], wait)
                events = list(self._device.read()) if ready else []
            except OSError:
                self.close()  # unplugged: found again by `_reconnect`
                self.splitter.expire(float("inf"))
                continue
            now = time.monotonic()
            if not events:
                self.splitter.expire(now)
            for event in events:
                if event.type == EV_KEY:
                    self.feed(event.code, event.value, now)
        return self._ready.popleft()

    def _reconnect(self, deadline: float | None) -> None:
        if not self._reconnect_pacing.wait(deadline):
            return
        try:
            self.open()
        except ScannerMissing:
            self._reconnect_pacing.failed()
        except ScannerError:
            self._reconnect_pacing.failed()
            raise  # denied, held by another program, evdev missing: a person must fix it
