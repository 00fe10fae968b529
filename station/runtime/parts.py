"""The daemon's parts, found by their type (ADR 0260).

A part that needs another gets it in its constructor (`assembly.build_parts`
wires them), or, where the daemon itself needs one, by a typed lookup:
`daemon.parts.find(DiskState)`, as Moonraker's `lookup_component`. No part
sets an attribute on the daemon and nobody probes one with `getattr`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


class DiskState(ABC):
    """What the daemon's own health answer reads of the disk watch (kept here, so that the daemon
    need not import the watch, which imports the daemon's type)."""

    @property
    @abstractmethod
    def started(self) -> bool:
        """True once the daemon started the watch."""

    @abstractmethod
    def summary(self) -> dict[str, Any]:
        """The levels and alarms, from memory: reading them needs no disk."""


class Parts:
    """The parts in start order; iterate them, or look one up by its class."""

    def __init__(self, parts: Iterable[Any]) -> None:
        self._parts = list(parts)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)

    def find(self, kind: type[T]) -> T | None:
        """The part of class `kind` (or a subclass), None when this station runs none."""
        for part in self._parts:
            if isinstance(part, kind):
                return part
        return None

    def get(self, kind: type[T]) -> T:
        """The part of class `kind`; `LookupError` when this station runs none."""
        found = self.find(kind)
        if found is None:
            raise LookupError(f"no {kind.__name__} part in this daemon")
        return found
