"""What each family's board firmware does with a request: the simulator's protocol side.

Frames are decoded and encoded with the driver's own codecs (tested against
the vectors of PROTOCOLS.md); timing, faults and the physical state are the
simulator's business (`sim.py`, `boards.py`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Protocol

from drivers.locks import a8a80, cu16
from drivers.locks.errors import FrameError

from .boards import SimBoard


class Bus(Protocol):
    """What a board's firmware asks of the bus it sits on (`LockBusSim` is one).

    Named here, not imported from `sim.py`: the simulator loads the firmware, the
    firmware needs only these four doors back, and the two modules form no circle.
    """

    def has_fault(self, name: str, board: int, lock: int | None = None) -> bool: ...

    def transmit(self, board: SimBoard, data: bytes, now: float) -> None: ...

    def energise(self, board: SimBoard, locks: list[int], now: float) -> float: ...

    def later(self, at: float, action: Callable[[float], None], board: SimBoard | None = None) -> None: ...


class Firmware(ABC):
    """One family's board behaviour."""

    family: str
    baud: int
    latch_ms: float       # default latch energising time
    heads: bytes          # bytes a request can start with (to resync after garbage)
    frame_len = 5

    def parse(self, frame: bytes) -> Any | None:
        """The decoded request, or None for a frame a board would ignore."""
        try:
            return self._decode(frame)
        except FrameError:
            return None

    @abstractmethod
    def _decode(self, frame: bytes) -> Any: ...

    @abstractmethod
    def address(self, request: Any) -> int:
        """The station address of the board a request is for."""

    @abstractmethod
    def unlocks(self, request: Any, board: SimBoard | None) -> list[int]:
        """The locks a request unlocks (empty for a read)."""

    @abstractmethod
    def execute(self, sim: Bus, board: SimBoard, request: Any, now: float) -> None:
        """Act on a request at `now` (energise, answer)."""


class Cu16Firmware(Firmware):
    """KR-CU16: status answered at once, unlocks silently energise the latch."""

    family = "cu16"
    baud = cu16.BAUD
    latch_ms = 200.0
    heads = bytes((cu16.STX,))

    def _decode(self, frame: bytes) -> cu16.Request:
        return cu16.decode_request(frame)

    def address(self, request: cu16.Request) -> int:
        return request.board_id + 1

    def unlocks(self, request: cu16.Request, board: SimBoard | None) -> list[int]:
        if request.command == "unlock":
            return [request.lock or 0]
        if request.command == "unlock_all":
            return list(range(1, (board.locks if board else cu16.LOCKS) + 1))
        return []

    def execute(self, sim: Bus, board: SimBoard, request: cu16.Request, now: float) -> None:
        if request.command == "status":
            inverted = sim.has_fault("invert", board.address)
            latch = tuple(board.feedback(lock, inverted) for lock in range(1, cu16.LOCKS + 1))
            items = tuple(board.item(lock) for lock in range(1, cu16.LOCKS + 1))
            sim.transmit(board, cu16.encode_status(cu16.Status(request.board_id, latch, items)), now)
        else:
            sim.energise(board, [lock for lock in self.unlocks(request, board) if board.has(lock)], now)


class A8a80Firmware(Firmware):
    """8A/80: reads answered at once, unlocks answered with the feedback after the latch pulse."""

    family = "8a80"
    baud = a8a80.BAUD
    latch_ms = 500.0
    heads = bytes((a8a80.UNLOCK, a8a80.READ))

    def _decode(self, frame: bytes) -> a8a80.Request:
        return a8a80.decode_request(frame)

    def address(self, request: a8a80.Request) -> int:
        return request.board

    def unlocks(self, request: a8a80.Request, board: SimBoard | None) -> list[int]:
        if request.command == "unlock":
            return [request.channel]
        if request.command == "unlock_all":
            return list(range(1, (board.locks if board else a8a80.MAX_CHANNELS) + 1))
        return []

    def execute(self, sim: Bus, board: SimBoard, request: a8a80.Request, now: float) -> None:
        inverted = sim.has_fault("invert", board.address)
        if request.command == "read":
            reply = a8a80.Feedback(a8a80.READ, board.address, request.channel,
                                   board.feedback(request.channel, inverted))
            sim.transmit(board, a8a80.encode_feedback(reply), now)
        elif request.command == "read_board":
            groups = board.spec.groups or max(1, -(-board.locks // 8))
            bits = [board.feedback(lock, inverted) for lock in range(1, groups * 8 + 1)]
            sim.transmit(board, a8a80.encode_board(board.address, bits, groups), now)
        else:
            locks = [lock for lock in self.unlocks(request, board) if board.has(lock)]
            if not locks:
                return
            done = sim.energise(board, locks, now)

            def answer(at: float) -> None:
                on = all(board.feedback(lock, sim.has_fault("invert", board.address)) for lock in locks)
                reply = a8a80.Feedback(a8a80.UNLOCK, board.address, request.channel, on)
                sim.transmit(board, a8a80.encode_feedback(reply), at)

            sim.later(done, answer, board)


FIRMWARE: dict[str, Firmware] = {"cu16": Cu16Firmware(), "8a80": A8a80Firmware()}
