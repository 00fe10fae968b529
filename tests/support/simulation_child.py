"""`station simulate` in a child process, its output kept: a test that waits on it can say what it printed.

A wait on a whole station can time out because the machine is slow or because the
station died or stalled. `check` (call it from a wait's predicate) fails at once when the
child has exited, and `tail()` puts its last lines into a timeout's message, so a failure
in CI says which.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path

from patience import interrupt

STATION = [sys.executable, "-c", "from station.cli import entry; entry()"]
KEPT_LINES = 400


class SimulationChild:
    """`station simulate --dir FOLDER --port 0 ARGS...` until `stop()`; each output line goes to `on_line` too."""

    def __init__(self, folder: Path, *args: str, stdin: bool = False,
                 on_line: Callable[[str], None] | None = None) -> None:
        self.folder = folder
        self.replies: queue.Queue[str] = queue.Queue()
        self._kept: deque[str] = deque(maxlen=KEPT_LINES)
        self._on_line = on_line
        self.process = subprocess.Popen(
            [*STATION, "simulate", "--dir", str(folder), "--port", "0", *args],
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.rstrip("\n")
            self._kept.append(line)
            if self._on_line is not None:
                self._on_line(line)
            self.replies.put(line)

    def tail(self, lines: int = 40) -> str:
        """The child's last output lines."""
        return "\n".join(list(self._kept)[-lines:])

    def check(self) -> None:
        """Fail now, with its output, if the child has exited."""
        if self.process.poll() is not None:
            raise AssertionError(f"station simulate exited ({self.process.returncode}):\n{self.tail()}")

    def stop(self) -> None:
        interrupt(self.process)  # as Ctrl-C: the simulator then stops its daemon too
