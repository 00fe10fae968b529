"""Scanner lines that are not pickup tokens at all: dropped and counted, never a refusal.

A serial scanner in a mall reads more than tokens: a shop's barcode, a
half-read code, line noise from a cable. None of these is anybody trying
tokens, so none may count toward the scanner lockout or put a refusal on a
citizen's screen. What is noise is decided by shape alone, before any
decoding: not the `MPP1:` prefix, a control byte, or too short to hold a
signature. A line of the right shape that fails later (bad Base45, a bad
signature) is a refusal as before.
"""

from __future__ import annotations

from station.trust import token as tokens_module

# The Ed25519 signature alone is 64 bytes, 96 Base45 characters: nothing shorter can be a token.
MIN_TOKEN_CHARS = len(tokens_module.PREFIX) + 96
REASONS = ("no_prefix", "control_bytes", "too_short")


def noise(text: str) -> str | None:
    """Why `text` is not a token at all (a word of `REASONS`), or None when it has a token's shape."""
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in text):
        return "control_bytes"
    if not text.startswith(tokens_module.PREFIX):
        return "no_prefix"
    if len(text) < MIN_TOKEN_CHARS:
        return "too_short"
    return None
