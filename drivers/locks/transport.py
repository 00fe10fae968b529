"""The serial lock bus: one transaction at a time, replies framed by the codec and by line quiet.

Rules from PROTOCOLS.md section 1.3 live here, away from any protocol:
- a reply is complete when the codec's judge says DONE, or says MAYBE and
  the line then stays quiet for `quiet` seconds;
- after a timeout, a bad frame or unexpected bytes: wait for line silence,
  discard all input, then go on (a late reply never answers the next request);
- at least `gap` seconds of idle line between transactions;
- an adapter that echoes what it sends is detected (a probe no board
  answers) and its echo discarded.

Errors keep "nothing left" apart from "it left, and then": any failure
before the last byte was handed to the kernel is `WriteFailed` with the
count of bytes that left; after that, `NoReply`, `FrameError` or
`PortVanished`.
"""

from __future__ import annotations

import errno
import logging
import os
import select
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import serial

from drivers.serialport import PortError, PortVanished, classify, open_port

from .errors import FrameError, NoReply, WriteFailed
from .frames import Judge, Verdict, hexbytes

log = logging.getLogger("station.locks.transport")

EchoMode = Literal["auto", "yes", "no"]
# Strays seen before a write: give up waiting for silence after this long (a babbling line).
MAX_SILENCE_WAIT = 0.5
# How long after its own wire time an echo of the probe may still arrive.
ECHO_MARGIN = 0.05
_RETRYABLE = (errno.EAGAIN, errno.EINTR)


@dataclass
class TransportStats:
    """Counters a technician (and a test) can read."""

    transactions: int = 0
    sends: int = 0
    timeouts: int = 0
    bad_frames: int = 0
    strays_discarded: int = 0
    echoes_discarded: int = 0
    recoveries: int = 0


class BusTransport:
    """One serial port carrying a lock bus: open, send, transact, recover, close."""

    def __init__(self, path: str, baud: int, *, quiet: float = 0.025, gap: float = 0.005,
                 echo: EchoMode = "auto", opener: Callable[[str, int], serial.Serial] = open_port) -> None:
        self.path = path
        self.baud = baud
        self.byte_time = 10.0 / baud  # 8N1: start bit, 8 data bits, stop bit
        self.quiet = quiet
        self.gap = gap
        self.echo_mode: EchoMode = echo
        self.echo = echo == "yes"
        self.stats = TransportStats()
        self._opener = opener
        self._port: serial.Serial | None = None
        self._fd = -1
        self._ready_at = 0.0  # no write starts before this (the gap after the last transaction)

    # -- port life ---------------------------------------------------------

    @property
    def is_open(self) -> bool:
        """Whether the port is open."""
        return self._port is not None

    def open(self, probe: bytes | None = None) -> None:
        """Open the port; with echo "auto", send `probe` (a frame no board answers) to detect an echo."""
        self.close()
        self._port = self._opener(self.path, self.baud)
        self._fd = self._port.fileno()
        self._ready_at = 0.0
        if self.echo_mode == "auto" and probe:
            try:
                self.echo = self._probe_echo(probe)
            except _PartialWrite as err:
                self.close()
                raise err.error from None
            except PortError:
                self.close()
                raise
            if self.echo:
                log.info("bus %s echoes what it sends; echoes will be discarded", self.path)

    def close(self) -> None:
        """Close the port (idempotent)."""
        port, self._port, self._fd = self._port, None, -1
        if port is not None:
            try:
                port.close()
            except (OSError, serial.SerialException):
                pass  # the device may already be gone; closing is all we wanted

    def _probe_echo(self, probe: bytes) -> bool:
        self._write_all(probe)
        deadline = time.monotonic() + len(probe) * self.byte_time + ECHO_MARGIN
        got = bytearray()
        while len(got) < len(probe):
            chunk = self._read_some(deadline - time.monotonic())
            if chunk is None:
                break
            got += chunk
        self._recover()
        return bytes(got[:len(probe)]) == probe

    # -- transactions ------------------------------------------------------

    def send(self, frame: bytes, on_sent: Callable[[float], None] | None = None) -> float:
        """Write a frame that has no reply; returns when its last byte is due on the wire (monotonic).

        Raises `WriteFailed` (with how many bytes left) if the write failed;
        `on_sent` is told the wire time as soon as the write is done.
        """
        self._before_write(frame)
        start = self._write_frame(frame)
        wire_end = start + len(frame) * self.byte_time
        self.stats.sends += 1
        if on_sent is not None:
            on_sent(wire_end)
        if self.echo:
            self._swallow_echo(frame, wire_end)
        # With no gap to keep, the next frame may be written at once: the UART sends it right after.
        self._ready_at = wire_end + self.gap if self.gap > 0 else 0.0
        return wire_end

    def transact(self, frame: bytes, judge: Judge, timeout: float,
                 on_sent: Callable[[float], None] | None = None) -> bytes:
        """Write a request and return its reply, as framed by `judge` and line quiet.

        Before the write: `WriteFailed`. After it: `NoReply` (nothing within
        `timeout` of the request's end on the wire), `FrameError` (bad or
        unexpected bytes, or an incomplete reply) or `PortVanished`.
        `on_sent` is told when the request's last byte is due on the wire.
        """
        self._before_write(frame)
        start = self._write_frame(frame)
        self.stats.transactions += 1
        wire_end = start + len(frame) * self.byte_time
        if on_sent is not None:
            on_sent(wire_end)
        deadline = wire_end + timeout
        try:
            reply = self._read_reply(frame, judge, deadline)
        except (NoReply, FrameError):
            self._recover()
            raise
        finally:
            self._ready_at = time.monotonic() + self.gap
        return reply

    def _before_write(self, frame: bytes) -> None:
        """The gap, then discard strays: failures here mean nothing was sent."""
        if self._port is None:
            raise WriteFailed(f"bus {self.path} is not open", sent=0, vanished=True)
        try:
            wait = self._ready_at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            if self._readable(0):
                self.stats.strays_discarded += 1
                self._recover()
        except PortError as err:
            vanished = isinstance(err, PortVanished)
            if vanished:
                self.close()
            raise WriteFailed(str(err), sent=0, vanished=vanished) from None

    def _write_frame(self, frame: bytes) -> float:
        """Write all of `frame`; returns the time the write started."""
        start = time.monotonic()
        try:
            self._write_all(frame)
        except _PartialWrite as err:
            vanished = isinstance(err.error, PortVanished)
            if vanished:
                self.close()
            raise WriteFailed(f"writing {hexbytes(frame)} to {self.path} failed after {err.sent} of"
                              f" {len(frame)} bytes: {err.error}", sent=err.sent, vanished=vanished) from None
        return start

    def _write_all(self, frame: bytes) -> None:
        sent = 0
        while sent < len(frame):
            try:
                sent += os.write(self._fd, frame[sent:])
            except OSError as err:
                if err.errno in _RETRYABLE:
                    select.select([], [self._fd], [], 0.1)
                    continue
                raise _PartialWrite(sent, classify(self.path, err)) from None

    def _swallow_echo(self, frame: bytes, wire_end: float) -> None:
        deadline = wire_end + ECHO_MARGIN
        got = bytearray()
        while len(got) < len(frame):
            chunk = self._read_some(deadline - time.monotonic())
            if chunk is None:
                break
            got += chunk
        if bytes(got) == frame:
            self.stats.echoes_discarded += 1
        elif not got and self.echo_mode == "auto":
            log.info("bus %s stopped echoing what it sends", self.path)
            self.echo = False
        else:
            log.warning("bus %s: expected the echo of %s, got %s", self.path, hexbytes(frame), hexbytes(got))
            self._recover()

    def _read_reply(self, frame: bytes, judge: Judge, deadline: float) -> bytes:
        buf = bytearray()
        echo_left = frame if self.echo else b""
        verdict = Verdict.MORE
        quiet_until: float | None = None
        while True:
            now = time.monotonic()
            until = deadline if quiet_until is None else min(deadline, quiet_until)
            chunk = self._read_some(until - now)
            if chunk is None:  # nothing more in time
                if verdict is Verdict.MAYBE:
                    return bytes(buf)
                if not buf and not echo_left:
                    self.stats.timeouts += 1
                    raise NoReply(f"no reply on {self.path} to {hexbytes(frame)}")
                self.stats.bad_frames += 1
                raise FrameError(f"incomplete reply on {self.path} to {hexbytes(frame)}: {hexbytes(buf)}")
            if not chunk:
                continue
            buf += chunk
            if echo_left:
                n = min(len(echo_left), len(buf))
                if buf[:n] != echo_left[:n] and self.echo_mode == "auto":
                    log.info("bus %s stopped echoing what it sends", self.path)
                    self.echo, echo_left, n = False, b"", 0
                elif buf[:n] != echo_left[:n]:
                    self.stats.bad_frames += 1
                    raise FrameError(f"echo on {self.path} differs from {hexbytes(frame)}: {hexbytes(buf)}")
                del buf[:n]
                echo_left = echo_left[n:]
                if not echo_left:
                    self.stats.echoes_discarded += 1
                if not buf:
                    continue
            verdict = judge(bytes(buf))
            if verdict is Verdict.BAD and self._looks_like_echo(frame, judge, buf):
                if len(buf) < len(frame):
                    verdict = Verdict.MORE
                    continue
                log.info("bus %s echoes what it sends; echoes will be discarded", self.path)
                self.echo = True
                self.stats.echoes_discarded += 1
                del buf[:len(frame)]
                verdict = judge(bytes(buf)) if buf else Verdict.MORE
            if verdict is Verdict.DONE:
                return bytes(buf)
            if verdict is Verdict.BAD:
                self.stats.bad_frames += 1
                raise FrameError(f"unexpected reply on {self.path} to {hexbytes(frame)}: {hexbytes(buf)}")
            quiet_until = time.monotonic() + self.quiet if verdict is Verdict.MAYBE else None

    def _looks_like_echo(self, frame: bytes, judge: Judge, buf: bytearray) -> bool:
        """An echo the probe missed: a copy of the request that cannot itself be a reply."""
        if self.echo or self.echo_mode == "no" or judge(frame) is not Verdict.BAD:
            return False
        head = bytes(buf[:len(frame)])
        return frame.startswith(head)

    # -- line discipline ---------------------------------------------------

    def recover(self) -> None:
        """Wait for line silence, then discard all input (after any error)."""
        self._recover()

    def _recover(self) -> None:
        self.stats.recoveries += 1
        stop = time.monotonic() + MAX_SILENCE_WAIT
        while time.monotonic() < stop:
            if self._read_some(min(self.quiet, stop - time.monotonic())) is None:
                break
        if self._port is not None:
            try:
                self._port.reset_input_buffer()
            except (OSError, serial.SerialException, termios.error):
                self.close()
                raise PortVanished(f"serial port {self.path} is gone (cannot flush input)") from None

    def _readable(self, timeout: float) -> bool:
        try:
            ready, _, _ = select.select([self._fd], [], [], max(0.0, timeout))
        except (OSError, ValueError) as err:
            raise PortVanished(f"serial port {self.path} is gone ({err})") from None
        return bool(ready)

    def _read_some(self, timeout: float) -> bytes | None:
        """Bytes that arrive within `timeout` seconds, or None; `PortVanished` if the device went away."""
        if self._port is None:
            raise PortVanished(f"serial port {self.path} is closed")
        if timeout < 0 or not self._readable(timeout):
            return None
        try:
            chunk = os.read(self._fd, 4096)
        except OSError as err:
            if err.errno in _RETRYABLE:
                return b""
            self.close()
            raise classify(self.path, err) from None
        if not chunk:  # readable but empty: the device disconnected
            self.close()
            raise PortVanished(f"serial port {self.path} is gone (disconnected)")
        return chunk


class _PartialWrite(Exception):
    def __init__(self, sent: int, error: PortError) -> None:
        super().__init__(str(error))
        self.sent = sent
        self.error = error
