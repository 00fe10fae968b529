"""The typed pickup code (PROTOCOLS.md §4.1): `RRRR-SSSS-SSSS`, for a citizen whose QR cannot be shown.

`RRRR` is a reference the back office makes unique among a station's open
documents (not secret); `SSSS-SSSS` are 8 secret digits from a CSPRNG. The
document carries `pickup_ref` and `code_verifier`, a PHC scrypt string of the
8 secret digits made and checked exactly like a PIN verifier: this module
only adds the code's own shape to `station.trust.pin`'s bounded machinery.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from station.errors import StationError
from station.trust.pin import PinVerifierError, ScryptVerifier, make_verifier

REF_DIGITS = 4
SECRET_DIGITS = 8
MAX_TYPED_LENGTH = 40  # 12 digits with room for the dashes and spaces people type
REF = re.compile(r"[0-9]{4}")
_DIGITS = re.compile(r"[0-9]{12}")
_SEPARATORS = re.compile(r"[- ]")


class CodeShapeError(StationError):
    """What was typed is no pickup code: 12 digits, dashes and spaces aside."""

    http_status = 422


@dataclass(frozen=True)
class PickupCode:
    """A typed code, split: the reference that finds the document, and the secret that opens it."""

    ref: str
    secret: str = ""

    def __repr__(self) -> str:  # the secret never reaches a log line through a repr
        return f"PickupCode(ref={self.ref!r}, secret=<{len(self.secret)} digits>)"

    def text(self) -> str:
        """The code as the citizen reads it: `RRRR-SSSS-SSSS`."""
        return f"{self.ref}-{self.secret[:4]}-{self.secret[4:]}"


def parse(typed: object) -> PickupCode:
    """The code in what was typed (dashes and spaces ignored); `CodeShapeError` for anything else.

    Only ASCII digits count: `str.isdigit` would take Arabic-Indic or full-width
    digits, which no keypad sends and no verifier was made from.
    """
    if not isinstance(typed, str) or len(typed) > MAX_TYPED_LENGTH:
        raise CodeShapeError(f"a pickup code is 12 digits (at most {MAX_TYPED_LENGTH} characters typed)")
    digits = _SEPARATORS.sub("", typed)
    if not _DIGITS.fullmatch(digits):
        raise CodeShapeError("a pickup code is 12 digits, shown as RRRR-SSSS-SSSS")
    return PickupCode(ref=digits[:REF_DIGITS], secret=digits[REF_DIGITS:])


def verifier_error(value: object) -> str | None:
    """Why `value` is no `code_verifier` (the PIN verifier's bounds), or None when it is one."""
    try:
        ScryptVerifier.parse(value)
    except PinVerifierError as err:
        return str(err).replace("pin verifier", "code_verifier", 1)
    return None


def matches(code: PickupCode, verifier: object) -> bool:
    """True when the code's secret is the one `verifier` was made from (a bad verifier matches nothing)."""
    try:
        return ScryptVerifier.parse(verifier).matches(code.secret)
    except PinVerifierError:
        return False


def use_id(verifier: str) -> str:
    """The id a code's one use is recorded under in the token ledger (24 hex digits, like a token's `cti`).

    Derived from the verifier, never from the secret: a correction that brings
    a new code gets a new id, and the ledger holds nothing that opens a door.
    """
    return hashlib.sha256(b"MPP1/code\n" + verifier.encode("utf-8")).hexdigest()[:24]


@dataclass(frozen=True)
class IssuedCode:
    """A new code and what the document carries of it (what the back office makes)."""

    code: PickupCode
    verifier: str

    def fields(self) -> dict[str, str]:
        """The Document's §4.1 fields."""
        return {"pickup_ref": self.code.ref, "code_verifier": self.verifier}


def issue(ref: str, *, ln: int | None = None) -> IssuedCode:
    """A code for reference `ref` with 8 fresh secret digits (CSPRNG), and its scrypt verifier."""
    if not isinstance(ref, str) or not REF.fullmatch(ref):
        raise CodeShapeError("a pickup reference is 4 digits")
    secret = f"{secrets.randbelow(10**SECRET_DIGITS):0{SECRET_DIGITS}d}"
    verifier = make_verifier(secret) if ln is None else make_verifier(secret, ln=ln)
    return IssuedCode(PickupCode(ref, secret), verifier)
