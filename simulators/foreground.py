"""Running a simulator in the foreground: standard input as a command line, until interrupted."""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator

from .errors import SimulatorError


def serve(handle_line: Callable[[str], bool], *, commands: bool = True) -> int:
    """Feed stdin lines to `handle_line` (False: stop) until EOF; then wait for Ctrl-C or SIGTERM.

    With `commands`, lines are stripped and `#` comments skipped; without,
    only the line end is taken off (the line is data). End of input does not
    stop the simulator (it may run with stdin closed); an error in one line
    is printed and the next line is read.
    """
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def read() -> None:
        # Bytes in, each line decoded so that bytes that are not UTF-8 survive (surrogateescape):
        # a scanner simulator sends them on as they came, a command line reports them, nothing dies.
        for raw in _lines(sys.stdin.fileno()):
            line = raw.decode("utf-8", "surrogateescape")
            line = line.strip() if commands else line.rstrip("\r\n")
            if not line or (commands and line.startswith("#")):
                continue
            try:
                if not handle_line(line):
                    stop.set()
                    return
            except (SimulatorError, UnicodeError) as err:
                print(f"error: {err}", file=sys.stderr, flush=True)

    threading.Thread(target=read, name="sim-stdin", daemon=True).start()
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


def _lines(fd: int) -> Iterator[bytes]:
    """Lines of a file descriptor, read with os.read: no buffered reader whose lock this daemon thread
    would still hold when the interpreter exits (that aborts the process)."""
    pending = b""
    while chunk := os.read(fd, 4096):
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            yield line + b"\n"
    if pending:
        yield pending
