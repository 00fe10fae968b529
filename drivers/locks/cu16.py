"""Kerong KR-CU16 wire codec (PROTOCOLS.md section 1.1): pure functions, no I/O.

Host to board: `02 ADDR CMD 03 SUM`, `ADDR = (board_id << 4) | (lock - 1)`,
`SUM` = sum of the preceding bytes modulo 256. Board ids are 0-15 on the
wire; the station names board id 0 as address 1. Both directions are here:
the driver encodes requests and decodes status frames, the simulator the
other way round.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import FrameError
from .frames import Judge, Verdict, as_bytes, hexbytes

BAUD = 19200
LOCKS = 16
BOARD_IDS = range(16)
STX, ETX = 0x02, 0x03
CMD_STATUS, CMD_UNLOCK, CMD_UNLOCK_ALL, CMD_STATUS_REPLY = 0x30, 0x31, 0x33, 0x35
REQUEST_LEN = 5
STATUS_LEN = 9

Command = Literal["status", "unlock", "unlock_all"]
_COMMANDS: dict[int, Command] = {CMD_STATUS: "status", CMD_UNLOCK: "unlock", CMD_UNLOCK_ALL: "unlock_all"}


def checksum(data: bytes) -> int:
    """Sum of the bytes modulo 256."""
    return sum(data) & 0xFF


def _check_board(board_id: int) -> None:
    if not isinstance(board_id, int) or board_id not in BOARD_IDS:
        raise FrameError(f"CU16 board id must be 0-15, not {board_id!r}")


def _check_lock(lock: int) -> None:
    if not isinstance(lock, int) or not 1 <= lock <= LOCKS:
        raise FrameError(f"CU16 lock must be 1-16, not {lock!r}")


def _frame(address: int, command: int) -> bytes:
    body = bytes((STX, address, command, ETX))
    return body + bytes((checksum(body),))


def status_request(board_id: int) -> bytes:
    """Read board status: `02 (id<<4) 30 03 SUM`."""
    _check_board(board_id)
    return _frame(board_id << 4, CMD_STATUS)


def unlock_request(board_id: int, lock: int) -> bytes:
    """Unlock one lock (1-16): `02 (id<<4 | lock-1) 31 03 SUM`; the board does not reply."""
    _check_board(board_id)
    _check_lock(lock)
    return _frame((board_id << 4) | (lock - 1), CMD_UNLOCK)


def unlock_all_request(board_id: int) -> bytes:
    """Unlock every lock of a board at once (inrush: the station itself never sends it)."""
    _check_board(board_id)
    return _frame(board_id << 4, CMD_UNLOCK_ALL)


@dataclass(frozen=True)
class Request:
    """A host-to-board frame, decoded (what a board sees)."""

    command: Command
    board_id: int
    lock: int | None  # 1-16 for "unlock", else None


def decode_request(frame: bytes) -> Request:
    """A host-to-board frame; `FrameError` for anything else."""
    frame = as_bytes(frame)
    if len(frame) != REQUEST_LEN:
        raise FrameError(f"CU16 request must be {REQUEST_LEN} bytes, got {len(frame)}")
    stx, address, command, etx, total = frame
    if stx != STX or etx != ETX:
        raise FrameError(f"CU16 request not framed by 02 .. 03: {hexbytes(frame)}")
    if total != checksum(frame[:-1]):
        raise FrameError(f"CU16 request checksum {total:02X}, expected {checksum(frame[:-1]):02X}")
    kind = _COMMANDS.get(command)
    if kind is None:
        raise FrameError(f"CU16 unknown command {command:02X}")
    board_id, nibble = address >> 4, address & 0x0F
    if kind == "unlock":
        return Request(kind, board_id, nibble + 1)
    if nibble:
        raise FrameError(f"CU16 {kind} request with lock nibble {nibble:X} (must be 0)")
    return Request(kind, board_id, None)


@dataclass(frozen=True)
class Status:
    """A board's status frame: raw latch bits and infrared (item) bits, lock 1 first."""

    board_id: int
    latch: tuple[bool, ...]
    items: tuple[bool, ...]


def _pack(bits: Sequence[bool]) -> bytes:
    low = sum(1 << i for i in range(8) if bits[i])
    high = sum(1 << i for i in range(8) if bits[8 + i])
    return bytes((low, high))


def _unpack(low: int, high: int) -> tuple[bool, ...]:
    return tuple(bool(low >> i & 1) for i in range(8)) + tuple(bool(high >> i & 1) for i in range(8))


def encode_status(status: Status) -> bytes:
    """The 9-byte status frame a board sends: `02 ADDR 35 L1-8 L9-16 I1-8 I9-16 03 SUM`."""
    _check_board(status.board_id)
    if len(status.latch) != LOCKS or len(status.items) != LOCKS:
        raise FrameError("CU16 status needs 16 latch bits and 16 item bits")
    body = bytes((STX, status.board_id << 4, CMD_STATUS_REPLY)) + _pack(status.latch) \
        + _pack(status.items) + bytes((ETX,))
    return body + bytes((checksum(body),))


def decode_status(frame: bytes) -> Status:
    """A status frame from a board; `FrameError` for anything else."""
    frame = as_bytes(frame)
    if len(frame) != STATUS_LEN:
        raise FrameError(f"CU16 status must be {STATUS_LEN} bytes, got {len(frame)}")
    stx, address, command, l1, l2, i1, i2, etx, total = frame
    if stx != STX or etx != ETX or command != CMD_STATUS_REPLY:
        raise FrameError(f"CU16 not a status frame: {hexbytes(frame)}")
    if address & 0x0F:
        raise FrameError(f"CU16 status address {address:02X} has a lock nibble")
    if total != checksum(frame[:-1]):
        raise FrameError(f"CU16 status checksum {total:02X}, expected {checksum(frame[:-1]):02X}")
    return Status(address >> 4, _unpack(l1, l2), _unpack(i1, i2))


def judge_status(board_id: int) -> Judge:
    """The judge of a reply to `status_request(board_id)`: early BAD on a wrong prefix."""
    _check_board(board_id)
    head = bytes((STX, board_id << 4, CMD_STATUS_REPLY))

    def judge(buf: bytes) -> Verdict:
        n = min(len(buf), len(head))
        if buf[:n] != head[:n]:
            return Verdict.BAD
        if len(buf) < STATUS_LEN:
            return Verdict.MORE
        if len(buf) > STATUS_LEN or buf[7] != ETX or buf[8] != checksum(buf[:8]):
            return Verdict.BAD
        return Verdict.DONE

    return judge
