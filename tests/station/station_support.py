"""What the whole-station tests share (a module of its own: conftest.py is not importable)."""

from __future__ import annotations

import time
from collections.abc import Callable
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
