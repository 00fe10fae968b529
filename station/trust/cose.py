"""Strict CBOR and COSE_Sign1, as the pickup token and the document seal use them.

cbor2 alone ignores trailing bytes and accepts duplicate map keys,
indefinite lengths and over-long integer forms. `strict_loads` decodes with
cbor2, then demands that nothing trails and that re-encoding gives the same
bytes: cbor2 encodes definite lengths in their shortest form and keeps map
order, so any other encoding of the same value (and any duplicate key, which
the re-encoding drops) is refused.

The algorithm is fixed (EdDSA, -8): it is never chosen from the message.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import base45
import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
HEADER_ALG = 1
HEADER_KID = 4
KID_LENGTH = 8
SIGNATURE_LENGTH = 64


class Malformed(ValueError):
    """The bytes are not the strict form the protocol requires."""

    reason = "malformed"


def strict_loads(data: bytes) -> Any:
    """Decode one CBOR item that must be in the one strict encoding of its value."""
    if not isinstance(data, bytes | bytearray):
        raise Malformed("CBOR input must be bytes")
    stream = io.BytesIO(bytes(data))
    try:
        value = cbor2.CBORDecoder(stream).decode()
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError, MemoryError,
            EOFError, LookupError) as err:
        raise Malformed(f"not CBOR: {err}") from None
    if stream.tell() != len(data):
        raise Malformed(f"{len(data) - stream.tell()} bytes trail the CBOR item")
    try:
        again = cbor2.dumps(value)
    except (cbor2.CBORError, ValueError, TypeError, OverflowError, RecursionError) as err:
        raise Malformed(f"CBOR item cannot be re-encoded: {err}") from None
    if again != bytes(data):
        raise Malformed("CBOR is not in strict form (indefinite or over-long lengths,"
                        " non-shortest integers, or duplicate map keys)")
    return value


def protected_header(kid: bytes) -> bytes:
    """The protected header: exactly {1: -8, 4: kid}."""
    return cbor2.dumps({HEADER_ALG: ALG_EDDSA, HEADER_KID: kid})


def sig_structure(protected: bytes, external_aad: bytes, payload: bytes) -> bytes:
    """The bytes an Ed25519 signature covers (COSE Sig_structure for Sign1)."""
    return cbor2.dumps(["Signature1", protected, external_aad, payload])


@dataclass(frozen=True)
class Sign1:
    """A decoded COSE_Sign1 message whose shape has been checked, not its signature."""

    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes

    def to_be_signed(self, external_aad: bytes) -> bytes:
        """What the signature must cover, for this message and `external_aad`."""
        return sig_structure(self.protected, external_aad, self.payload)


def sign1_encode(payload: bytes, key: Ed25519PrivateKey, kid: bytes, external_aad: bytes) -> bytes:
    """COSE_Sign1_Tagged over `payload`, signed with `key` under `kid`."""
    if len(kid) != KID_LENGTH:
        raise ValueError(f"kid must be {KID_LENGTH} bytes")
    protected = protected_header(kid)
    signature = key.sign(sig_structure(protected, external_aad, payload))
    return cbor2.dumps(cbor2.CBORTag(COSE_SIGN1_TAG, [protected, {}, payload, signature]))


def sign1_decode(data: bytes) -> Sign1:
    """Check a COSE_Sign1_Tagged message's shape strictly; `Malformed` otherwise."""
    outer = strict_loads(data)
    if not isinstance(outer, cbor2.CBORTag) or outer.tag != COSE_SIGN1_TAG:
        raise Malformed("not a COSE_Sign1 message (tag 18)")
    body = outer.value
    # cbor2 gives the contents of a tag as immutable tuple / frozendict.
    if not isinstance(body, list | tuple) or len(body) != 4:
        raise Malformed("COSE_Sign1 must have exactly four elements")
    protected, unprotected, payload, signature = body
    if not isinstance(protected, bytes) or not isinstance(payload, bytes) or not isinstance(signature, bytes):
        raise Malformed("COSE_Sign1 protected header, payload and signature must be byte strings")
    if not isinstance(unprotected, Mapping) or unprotected:
        raise Malformed("COSE_Sign1 unprotected header must be an empty map")
    if len(signature) != SIGNATURE_LENGTH:
        raise Malformed(f"signature must be {SIGNATURE_LENGTH} bytes")
    header = strict_loads(protected)
    # Exact int keys: Python sees `true` and `1.0` as the key 1 (True == 1.0 == 1).
    if (not isinstance(header, Mapping) or any(type(k) is not int for k in header)
            or set(header) != {HEADER_ALG, HEADER_KID}):
        raise Malformed("protected header must be exactly {1: alg, 4: kid}")
    alg, kid = header[HEADER_ALG], header[HEADER_KID]
    if type(alg) is not int or alg != ALG_EDDSA:
        raise Malformed("algorithm must be EdDSA (-8)")
    if type(kid) is not bytes or len(kid) != KID_LENGTH:
        raise Malformed(f"kid must be a {KID_LENGTH}-byte string")
    return Sign1(protected=protected, kid=kid, payload=payload, signature=signature)


def qr_text(prefix: str, message: bytes) -> str:
    """`prefix` followed by the Base45 of a COSE message: the text a QR carries."""
    return prefix + base45.b45encode(message).decode("ascii")


def from_qr_text(prefix: str, text: str, max_length: int = 400) -> bytes:
    """The COSE bytes inside a QR text: exact prefix, bounded length, strict Base45."""
    if not isinstance(text, str) or not text.startswith(prefix):
        raise Malformed(f"text does not start with {prefix!r}")
    if len(text) > max_length:
        raise Malformed(f"text longer than {max_length} characters")
    encoded = text[len(prefix):]
    try:
        raw = base45.b45decode(encoded)
    except (ValueError, KeyError, TypeError, IndexError, UnicodeError) as err:
        raise Malformed(f"not Base45: {err}") from None
    if base45.b45encode(raw).decode("ascii") != encoded:
        raise Malformed("Base45 is not in its one strict form")
    return raw
