"""Waiting in tests: poll for a condition, and stop a child process the way a person does (Ctrl-C).

The one wait of the suite (tests/support/ is on pytest's `pythonpath`). A test
waits for a condition it can see, never for a time it hopes is enough: the
timeout only turns a hang into a clear failure.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def wait(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition", *,
         interval: float = 0.02, retry_on: tuple[type[BaseException], ...] = ()) -> Any:
    """Poll `predicate` until it gives something true (returned), or fail after `timeout` seconds.

    `retry_on`: exceptions that mean "not yet" (a server still starting); the last one is named
    in the failure, as is the last value seen.
    """
    deadline = time.monotonic() + timeout
    last: Any = None
    while True:
        try:
            last = predicate()
        except retry_on as err:
            last = err
        else:
            if last:
                return last
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out waiting for {what} (last: {last!r})")
        time.sleep(interval)


def interrupt(process: subprocess.Popen[Any], timeout: float = 60.0) -> None:
    """SIGINT, as Ctrl-C (a simulator then stops its daemon too); killed if it has not stopped in time."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def alive(pid: int) -> bool:
    """Whether the process runs: a killed one stays a zombie until it is reaped, and that is not alive."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # the state follows the command name, which may hold spaces: read after its closing parenthesis
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state not in ("Z", "X")
