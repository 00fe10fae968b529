"""PIN verifiers: PHC scrypt strings, `$scrypt$ln=15,r=8,p=1$<salt>$<hash>` (PROTOCOLS.md §7).

A document may carry the scrypt hash of a PIN the citizen got apart from the
token; the kiosk asks for the PIN and checks it here. The verifier string
comes from outside, so it is parsed strictly and its cost parameters are
bounded: a hostile string cannot make the station burn minutes of CPU or
gigabytes of memory.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass

from station.errors import StationError

DEFAULT_LN = 15
DEFAULT_R = 8
DEFAULT_P = 1
SALT_BYTES = 16
HASH_BYTES = 32

# Bounds on what a verifier may ask for. scrypt needs 128*r*2^ln bytes of
# memory and does work in proportion to p*r*2^ln; the defaults take 32 MiB
# and about 0.1 s here, the limits twice that memory and four times the work.
MAX_MEMORY_BYTES = 64 * 1024 * 1024
MAX_WORK = 4 * DEFAULT_R * 2**DEFAULT_LN
MAX_LN, MAX_R, MAX_P = 20, 32, 16
SALT_RANGE = (8, 64)
HASH_RANGE = (16, 64)
MAX_PIN_LENGTH = 64
MAX_VERIFIER_LENGTH = 256

_NUMBER = r"(0|[1-9][0-9]{0,2})"  # PHC decimals: no sign, no leading zeros
_B64 = r"([A-Za-z0-9+/]+)"
_PHC = re.compile(rf"\$scrypt\$ln={_NUMBER},r={_NUMBER},p={_NUMBER}\${_B64}\${_B64}")


class PinVerifierError(StationError):
    """A pin_verifier is not a PHC scrypt string within the station's bounds."""


def _b64_decode(text: str, what: str) -> bytes:
    """Base64 without padding, in its one strict form (no stray bits)."""
    if len(text) % 4 == 1:
        raise PinVerifierError(f"pin verifier {what}: impossible base64 length {len(text)}")
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        raise PinVerifierError(f"pin verifier {what}: not base64") from None
    if _b64_encode(raw) != text:
        raise PinVerifierError(f"pin verifier {what}: base64 not in its strict form")
    return raw


def _b64_encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _check_cost(ln: int, r: int, p: int) -> None:
    if not (1 <= ln <= MAX_LN and 1 <= r <= MAX_R and 1 <= p <= MAX_P):
        raise PinVerifierError(f"pin verifier parameters out of range: ln={ln}, r={r}, p={p}")
    if 128 * r * 2**ln > MAX_MEMORY_BYTES:
        raise PinVerifierError(f"pin verifier would need {128 * r * 2**ln // 2**20} MiB (limit"
                               f" {MAX_MEMORY_BYTES // 2**20} MiB)")
    if p * r * 2**ln > MAX_WORK:
        raise PinVerifierError(f"pin verifier asks for too much work: ln={ln}, r={r}, p={p}")


@dataclass(frozen=True)
class ScryptVerifier:
    """A parsed, bounded PHC scrypt verifier."""

    ln: int
    r: int
    p: int
    salt: bytes
    hash: bytes

    def __post_init__(self) -> None:
        _check_cost(self.ln, self.r, self.p)
        if not SALT_RANGE[0] <= len(self.salt) <= SALT_RANGE[1]:
            raise PinVerifierError(f"pin verifier salt must be {SALT_RANGE[0]}-{SALT_RANGE[1]} bytes")
        if not HASH_RANGE[0] <= len(self.hash) <= HASH_RANGE[1]:
            raise PinVerifierError(f"pin verifier hash must be {HASH_RANGE[0]}-{HASH_RANGE[1]} bytes")

    @classmethod
    def parse(cls, text: object) -> ScryptVerifier:
        """Read a PHC string; `PinVerifierError` for anything else."""
        if not isinstance(text, str) or len(text) > MAX_VERIFIER_LENGTH:
            raise PinVerifierError("pin verifier must be a PHC string of at most"
                                   f" {MAX_VERIFIER_LENGTH} characters")
        found = _PHC.fullmatch(text)
        if found is None:
            raise PinVerifierError("pin verifier is not of the form $scrypt$ln=N,r=N,p=N$<salt>$<hash>")
        ln, r, p = (int(found.group(i)) for i in (1, 2, 3))
        _check_cost(ln, r, p)  # before decoding anything else: cheap refusals first
        return cls(ln=ln, r=r, p=p, salt=_b64_decode(found.group(4), "salt"),
                   hash=_b64_decode(found.group(5), "hash"))

    def to_text(self) -> str:
        """The PHC string."""
        return (f"$scrypt$ln={self.ln},r={self.r},p={self.p}"
                f"${_b64_encode(self.salt)}${_b64_encode(self.hash)}")

    def derive(self, pin: str) -> bytes:
        """The scrypt hash of `pin` under this verifier's salt and parameters."""
        secret = _pin_bytes(pin)
        if secret is None:
            raise StationError(f"a PIN is 1 to {MAX_PIN_LENGTH} characters of text")
        return hashlib.scrypt(secret, salt=self.salt, n=2**self.ln, r=self.r, p=self.p,
                              dklen=len(self.hash), maxmem=2 * MAX_MEMORY_BYTES)

    def matches(self, pin: str) -> bool:
        """True when `pin` is the PIN this verifier was made from (constant-time compare)."""
        if _pin_bytes(pin) is None:
            return False  # a PIN no verifier can have been made from
        return hmac.compare_digest(self.derive(pin), self.hash)


def _pin_bytes(pin: object) -> bytes | None:
    """The UTF-8 of a PIN, or None when it is no possible PIN."""
    if not isinstance(pin, str) or not 1 <= len(pin) <= MAX_PIN_LENGTH:
        return None
    try:
        return pin.encode("utf-8")
    except UnicodeEncodeError:
        return None


def make_verifier(pin: str, *, ln: int = DEFAULT_LN, r: int = DEFAULT_R, p: int = DEFAULT_P,
                  salt: bytes | None = None) -> str:
    """The PHC scrypt string of `pin` (what the back office puts in `pin_verifier`)."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    shape = ScryptVerifier(ln=ln, r=r, p=p, salt=salt, hash=bytes(HASH_BYTES))
    return ScryptVerifier(ln=ln, r=r, p=p, salt=salt, hash=shape.derive(pin)).to_text()


def check_pin(pin: str, verifier: str) -> bool:
    """True when `pin` matches the PHC `verifier`; `PinVerifierError` when the verifier is bad."""
    return ScryptVerifier.parse(verifier).matches(pin)
