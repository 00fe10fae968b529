"""Waiting in tests: poll for a condition, and stop a child process the way a person does (Ctrl-C).

A module of its own, on the path of every test folder (tests/conftest.py):
conftest.py itself is not importable.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def wait(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `predicate` until it gives something true (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


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
