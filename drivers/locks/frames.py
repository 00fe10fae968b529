"""What the board codecs share: the verdict on a reply that is still arriving.

The transport reads bytes and asks a codec's judge after each chunk; the
judge knows the protocol, the transport knows the clock. Replies whose
length the protocol does not fix are `MAYBE` complete, and then line quiet
decides.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum

from .errors import FrameError


class Verdict(Enum):
    """How a partly received reply looks to the codec."""

    MORE = "more"    # a valid beginning: keep reading
    DONE = "done"    # a complete reply: stop reading now
    MAYBE = "maybe"  # complete, but a longer valid reply is possible: wait for line quiet
    BAD = "bad"      # can never become a valid reply


Judge = Callable[[bytes], Verdict]


def as_bytes(data: object) -> bytes:
    """`data` as bytes, or the codec's error for anything that is not a byte string."""
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise FrameError(f"a frame must be bytes, not {type(data).__name__}")


def hexbytes(data: bytes) -> str:
    """`02 00 30 03 35`: frames as PROTOCOLS.md writes them."""
    return " ".join(f"{b:02X}" for b in data)
