"""The physical side of simulated lock boards: doors, items, latch coils, power."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class BoardSpec:
    """How one simulated board is built."""

    address: int          # station address, 1-based (a CU16 with address 1 is board id 0)
    locks: int
    closed_bit: int = 1   # the feedback bit a closed door reports (CU16 locked_bit, 8A/80 door_closing: 1)
    groups: int | None = None  # 8A/80: status bytes in a whole-board reply (default: enough for `locks`)


@dataclass
class SimBoard:
    """One board's state: a door, an item sensor and a latch coil per lock."""

    spec: BoardSpec
    doors: list[bool] = field(default_factory=list)  # True: open
    items: list[bool] = field(default_factory=list)  # True: something in the slot
    coils: list[bool] = field(default_factory=list)  # True: latch energised
    busy_until: float = 0.0   # the firmware is busy (energising) until then: later requests wait
    off_until: float = 0.0    # powered off until then
    generation: int = 0       # bumped by a power cycle: work started before it is void

    def __post_init__(self) -> None:
        n = self.spec.locks
        self.doors = self.doors or [False] * n
        self.items = self.items or [False] * n
        self.coils = self.coils or [False] * n

    @property
    def address(self) -> int:
        """The board's station address."""
        return self.spec.address

    @property
    def locks(self) -> int:
        """How many locks it drives."""
        return self.spec.locks

    def has(self, lock: int) -> bool:
        """Whether the board drives this lock (1-based)."""
        return 1 <= lock <= self.spec.locks

    def feedback(self, lock: int, inverted: bool = False) -> bool:
        """The raw feedback bit of a lock: the closed bit when its door is shut (flipped if inverted)."""
        if not self.has(lock):
            return False  # a channel with nothing wired reads 0
        closed = not self.doors[lock - 1]
        return (bool(self.spec.closed_bit) == closed) != inverted

    def item(self, lock: int) -> bool:
        """The infrared bit of a lock."""
        return self.has(lock) and self.items[lock - 1]
