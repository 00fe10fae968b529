"""Wire codec of the DIP-addressed "8A/80" lock boards (PROTOCOLS.md section 1.2): pure functions.

Requests are five bytes, `HEAD BOARD CHANNEL CMD BCC`, BCC the XOR of the
bytes before it: `8A .. .. 11` unlocks, `80 .. .. 33` reads; channel 0 means
the whole board. Replies to an unlock or a one-channel read are five bytes
with the feedback `00` or `11`; the whole-board read is answered with one
status byte per group of eight channels, highest group first, and the count
of groups is only known from the length received.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import FrameError
from .frames import Judge, Verdict, as_bytes, hexbytes

BAUD = 9600
UNLOCK, READ = 0x8A, 0x80
CMD_UNLOCK, CMD_READ = 0x11, 0x33
FEEDBACK_ON, FEEDBACK_OFF = 0x11, 0x00
ADDRESSES = range(1, 32)
MAX_CHANNELS = 24
MAX_GROUPS = 3  # 24 channels: a longer whole-board reply is not a valid one
FRAME_LEN = 5

Command = Literal["unlock", "unlock_all", "read", "read_board"]


def bcc(data: bytes) -> int:
    """XOR of the bytes."""
    value = 0
    for byte in data:
        value ^= byte
    return value


def _check_board(board: int) -> None:
    if not isinstance(board, int) or board not in ADDRESSES:
        raise FrameError(f"8A/80 board address must be 1-31, not {board!r}")


def _check_channel(channel: int) -> None:
    if not isinstance(channel, int) or not 1 <= channel <= MAX_CHANNELS:
        raise FrameError(f"8A/80 channel must be 1-{MAX_CHANNELS}, not {channel!r}")


def _frame(*body: int) -> bytes:
    data = bytes(body)
    return data + bytes((bcc(data),))


def unlock_request(board: int, channel: int) -> bytes:
    """Unlock one channel: `8A BB CC 11 BCC`."""
    _check_board(board)
    _check_channel(channel)
    return _frame(UNLOCK, board, channel, CMD_UNLOCK)


def unlock_all_request(board: int) -> bytes:
    """Unlock every channel at once (inrush: the station itself never sends it)."""
    _check_board(board)
    return _frame(UNLOCK, board, 0, CMD_UNLOCK)


def read_request(board: int, channel: int) -> bytes:
    """Read one channel's feedback: `80 BB CC 33 BCC`."""
    _check_board(board)
    _check_channel(channel)
    return _frame(READ, board, channel, CMD_READ)


def read_board_request(board: int) -> bytes:
    """Read the whole board: `80 BB 00 33 BCC`."""
    _check_board(board)
    return _frame(READ, board, 0, CMD_READ)


@dataclass(frozen=True)
class Request:
    """A host-to-board frame, decoded (what a board sees)."""

    command: Command
    board: int
    channel: int  # 0 for the whole board


def decode_request(frame: bytes) -> Request:
    """A host-to-board frame; `FrameError` for anything else."""
    frame = as_bytes(frame)
    if len(frame) != FRAME_LEN:
        raise FrameError(f"8A/80 request must be {FRAME_LEN} bytes, got {len(frame)}")
    head, board, channel, command, check = frame
    if check != bcc(frame[:-1]):
        raise FrameError(f"8A/80 request BCC {check:02X}, expected {bcc(frame[:-1]):02X}")
    if (head, command) not in ((UNLOCK, CMD_UNLOCK), (READ, CMD_READ)):
        raise FrameError(f"8A/80 not a request: {hexbytes(frame)}")
    if board not in ADDRESSES or channel > MAX_CHANNELS:
        raise FrameError(f"8A/80 request for board {board} channel {channel}")
    if head == UNLOCK:
        return Request("unlock" if channel else "unlock_all", board, channel)
    return Request("read" if channel else "read_board", board, channel)


@dataclass(frozen=True)
class Feedback:
    """A five-byte reply to an unlock (`head` 8A) or a one-channel read (`head` 80)."""

    head: int
    board: int
    channel: int
    on: bool  # feedback `11`; what it means depends on the board's polarity


def encode_feedback(reply: Feedback) -> bytes:
    """`HEAD BB CC SS BCC`."""
    if reply.head not in (UNLOCK, READ):
        raise FrameError(f"8A/80 reply head must be 8A or 80, not {reply.head!r}")
    _check_board(reply.board)
    if not isinstance(reply.channel, int) or not 0 <= reply.channel <= MAX_CHANNELS:
        raise FrameError(f"8A/80 channel must be 0-{MAX_CHANNELS}, not {reply.channel!r}")
    return _frame(reply.head, reply.board, reply.channel, FEEDBACK_ON if reply.on else FEEDBACK_OFF)


def decode_feedback(frame: bytes) -> Feedback:
    """A five-byte feedback reply; `FrameError` for anything else."""
    frame = as_bytes(frame)
    if len(frame) != FRAME_LEN:
        raise FrameError(f"8A/80 feedback reply must be {FRAME_LEN} bytes, got {len(frame)}")
    head, board, channel, status, check = frame
    if head not in (UNLOCK, READ):
        raise FrameError(f"8A/80 reply head {head:02X}")
    if check != bcc(frame[:-1]):
        raise FrameError(f"8A/80 reply BCC {check:02X}, expected {bcc(frame[:-1]):02X}")
    if status not in (FEEDBACK_ON, FEEDBACK_OFF):
        raise FrameError(f"8A/80 feedback must be 00 or 11, not {status:02X}")
    if board not in ADDRESSES or channel > MAX_CHANNELS:
        raise FrameError(f"8A/80 reply from board {board} channel {channel}")
    return Feedback(head, board, channel, status == FEEDBACK_ON)


def judge_feedback(head: int, board: int, channel: int) -> Judge:
    """The judge of the reply to an unlock (`head` 8A) or a one-channel read (80)."""
    _check_board(board)
    prefix = bytes((head, board, channel))

    def judge(buf: bytes) -> Verdict:
        n = min(len(buf), len(prefix))
        if buf[:n] != prefix[:n]:
            return Verdict.BAD
        if len(buf) > 3 and buf[3] not in (FEEDBACK_ON, FEEDBACK_OFF):
            return Verdict.BAD
        if len(buf) < FRAME_LEN:
            return Verdict.MORE
        if len(buf) > FRAME_LEN or buf[4] != bcc(buf[:4]):
            return Verdict.BAD
        return Verdict.DONE

    return judge


@dataclass(frozen=True)
class BoardFeedback:
    """A whole-board reply: one bit per channel, channel 1 first, as many as the reply covers."""

    board: int
    bits: tuple[bool, ...]  # 8 per status byte received

    @property
    def groups(self) -> int:
        """How many status bytes the reply carried."""
        return len(self.bits) // 8


def encode_board(board: int, bits: Sequence[bool], groups: int) -> bytes:
    """`80 BB Sn .. S1 33 BCC` with `groups` status bytes (channels beyond `bits` read 0)."""
    _check_board(board)
    if not isinstance(groups, int) or not 1 <= groups <= MAX_GROUPS:
        raise FrameError(f"8A/80 board reply carries 1-{MAX_GROUPS} status bytes, not {groups!r}")
    padded = list(bits)[:groups * 8] + [False] * max(0, groups * 8 - len(bits))
    status = [sum(1 << i for i in range(8) if padded[g * 8 + i]) for g in range(groups)]
    return _frame(READ, board, *reversed(status), CMD_READ)


def _board_frame_ok(buf: bytes) -> bool:
    groups = len(buf) - 4
    return 1 <= groups <= MAX_GROUPS and buf[-2] == CMD_READ and buf[-1] == bcc(buf[:-1])


def decode_board(frame: bytes) -> BoardFeedback:
    """A whole-board reply; `FrameError` for anything else."""
    frame = as_bytes(frame)
    if len(frame) < 5 or len(frame) > 4 + MAX_GROUPS:
        raise FrameError(f"8A/80 board reply must be 5-{4 + MAX_GROUPS} bytes, got {len(frame)}")
    if frame[0] != READ or frame[1] not in ADDRESSES:
        raise FrameError(f"8A/80 not a board reply: {hexbytes(frame)}")
    if not _board_frame_ok(frame):
        raise FrameError(f"8A/80 board reply not ended by 33 BCC: {hexbytes(frame)}")
    bits: list[bool] = []
    for status in reversed(frame[2:-2]):  # channels 1-8 travel last
        bits.extend(bool(status >> i & 1) for i in range(8))
    return BoardFeedback(frame[1], tuple(bits))


def judge_board(board: int, known_length: int | None = None) -> Judge:
    """The judge of a whole-board reply; complete at once only at `known_length` or the maximum.

    A shorter valid-looking frame may be the start of a longer one (a status
    byte can be `33`), so it is MAYBE and line quiet decides, unless this
    board was already seen to answer with exactly that length.
    """
    _check_board(board)

    def judge(buf: bytes) -> Verdict:
        if buf[:1] not in (b"", bytes((READ,))) or (len(buf) > 1 and buf[1] != board):
            return Verdict.BAD
        if len(buf) >= 5 and _board_frame_ok(buf):
            if len(buf) == 4 + MAX_GROUPS or len(buf) == known_length:
                return Verdict.DONE
            return Verdict.MAYBE
        return Verdict.BAD if len(buf) >= 4 + MAX_GROUPS else Verdict.MORE

    return judge
