"""The counter's inbox: inputs from any thread, taken in priority order, then in arrival order."""

from __future__ import annotations

import itertools
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any


@dataclass(order=True)
class Input:
    """One input for the counter thread; `reply` gets what handling it returned."""

    priority: int
    seq: int
    kind: str = field(compare=False)
    payload: Any = field(compare=False)
    reply: Future = field(compare=False, default_factory=Future)


class Inbox:
    """A priority queue that keeps arrival order within one priority (lock events stay behind their release)."""

    def __init__(self) -> None:
        self._queue: queue.PriorityQueue[Input] = queue.PriorityQueue()
        self._seq = itertools.count()
        self._lock = threading.Lock()

    def put(self, priority: int, kind: str, payload: Any = None) -> Future:
        """Queue an input (safe from any thread); the future gives its result."""
        with self._lock:
            item = Input(priority, next(self._seq), kind, payload)
        self._queue.put(item)
        return item.reply

    def get(self, timeout: float) -> Input | None:
        """The next input, or None when none came within `timeout` seconds."""
        try:
            return self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
