"""Board families behind one face: what the device model asks, in each family's frames.

The model speaks of boards by their station address (1-based) and of locks
1-based; a dialect turns "read this board", "read this lock", "unlock this
lock" into a codec request plus the judge of its reply, and turns replies
back into raw feedback bits. Polarity is not applied here: the bits are as
the wire carries them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from drivers.errors import DeviceConfigError

from . import a8a80, cu16
from .frames import Judge
from .settings import BusSettings


@dataclass(frozen=True)
class Reading:
    """One read of a board: raw feedback bit per lock (lock 1 first), None where the reply is silent."""

    bits: tuple[bool | None, ...]
    items: tuple[bool | None, ...] | None  # None: this family has no item sensor
    covered: int  # how many locks the reply covered


class Dialect(ABC):
    """One board family, as the device model needs it."""

    family: str
    baud: int
    gap: float             # idle line between transactions, seconds
    reply_timeout: float   # seconds
    max_address: int
    max_locks: int
    has_items: bool

    @abstractmethod
    def read_board(self, address: int, known_length: int | None = None) -> tuple[bytes, Judge]:
        """The request that reads a whole board, and its reply's judge."""

    @abstractmethod
    def decode_board(self, address: int, reply: bytes, locks: int) -> Reading:
        """The bits of a whole-board reply, for locks 1..`locks`."""

    def read_lock(self, address: int, lock: int) -> tuple[bytes, Judge] | None:
        """The request that reads one lock, if the family has one (else read the board)."""
        return None

    def decode_lock(self, reply: bytes) -> bool:
        """The raw feedback bit of a one-lock reply."""
        raise NotImplementedError(self.family)

    @abstractmethod
    def unlock(self, address: int, lock: int) -> tuple[bytes, Judge | None]:
        """The unlock request, and its reply's judge (None: the board does not reply)."""

    def decode_unlock(self, reply: bytes) -> bool:
        """The raw feedback bit an unlock reply carries."""
        raise NotImplementedError(self.family)

    @abstractmethod
    def echo_probe(self, address: int) -> bytes:
        """A frame no board answers (bad checksum): if it comes back, the adapter echoes."""


class Cu16(Dialect):
    """Kerong KR-CU16: board id = address - 1; unlocks have no reply."""

    family = "cu16"
    baud = cu16.BAUD
    gap = 0.0005
    reply_timeout = 0.5
    max_address = 16
    max_locks = cu16.LOCKS
    has_items = True

    def read_board(self, address: int, known_length: int | None = None) -> tuple[bytes, Judge]:
        return cu16.status_request(address - 1), cu16.judge_status(address - 1)

    def decode_board(self, address: int, reply: bytes, locks: int) -> Reading:
        status = cu16.decode_status(reply)
        return Reading(status.latch[:locks], status.items[:locks], cu16.LOCKS)

    def unlock(self, address: int, lock: int) -> tuple[bytes, Judge | None]:
        return cu16.unlock_request(address - 1, lock), None

    def echo_probe(self, address: int) -> bytes:
        frame = cu16.status_request(address - 1)
        return frame[:-1] + bytes((frame[-1] ^ 0xFF,))


class A8a80(Dialect):
    """DIP-addressed 8A/80 boards: unlock replies carry the feedback about 500 ms later."""

    family = "8a80"
    baud = a8a80.BAUD
    gap = 0.005
    reply_timeout = 1.5
    max_address = 31
    max_locks = a8a80.MAX_CHANNELS
    has_items = False

    def read_board(self, address: int, known_length: int | None = None) -> tuple[bytes, Judge]:
        return a8a80.read_board_request(address), a8a80.judge_board(address, known_length)

    def decode_board(self, address: int, reply: bytes, locks: int) -> Reading:
        bits = a8a80.decode_board(reply).bits
        covered = len(bits)
        return Reading(tuple(bits[i] if i < covered else None for i in range(locks)), None, covered)

    def read_lock(self, address: int, lock: int) -> tuple[bytes, Judge] | None:
        return a8a80.read_request(address, lock), a8a80.judge_feedback(a8a80.READ, address, lock)

    def decode_lock(self, reply: bytes) -> bool:
        return a8a80.decode_feedback(reply).on

    def unlock(self, address: int, lock: int) -> tuple[bytes, Judge | None]:
        return a8a80.unlock_request(address, lock), a8a80.judge_feedback(a8a80.UNLOCK, address, lock)

    def decode_unlock(self, reply: bytes) -> bool:
        return a8a80.decode_feedback(reply).on

    def echo_probe(self, address: int) -> bytes:
        frame = a8a80.read_board_request(address)
        return frame[:-1] + bytes((frame[-1] ^ 0xFF,))


DIALECTS: dict[str, Dialect] = {"cu16": Cu16(), "8a80": A8a80()}


def dialect(family: str) -> Dialect:
    """The dialect of a family name (`cu16`, `8a80`)."""
    try:
        return DIALECTS[family]
    except KeyError:
        raise DeviceConfigError(f"unknown board family {family!r}: use one of {', '.join(DIALECTS)}") from None


def check_bus(section: BusSettings, family: Dialect) -> None:
    """Refuse boards the family cannot address, with a clear configuration error."""
    seen: set[int] = set()
    for board in section.boards:
        if board.address > family.max_address:
            raise DeviceConfigError(f"bus {section.name}: {family.family} board address must be 1-"
                              f"{family.max_address}, not {board.address}")
        if board.locks > family.max_locks:
            raise DeviceConfigError(f"bus {section.name}: a {family.family} board has at most"
                              f" {family.max_locks} locks, board {board.address} says {board.locks}")
        if board.address in seen:
            raise DeviceConfigError(f"bus {section.name}: board address {board.address} appears twice")
        seen.add(board.address)
    if not section.boards:
        raise DeviceConfigError(f"bus {section.name}: no boards")


def closed_bit(family: str, locked_bit: int, feedback: str) -> int:
    """The raw feedback bit that means "door closed" for a board of this family and polarity."""
    if family == "cu16":
        return locked_bit
    return 1 if feedback == "door_closing" else 0
