"""The document seal (PROTOCOLS.md §5): a QR on every printed page that anyone can check offline.

```
"MPS1:" || Base45( COSE_Sign1_Tagged )    external_aad = "MPS1/seal", kid of a `station` key
claims = { 1: iss (station id), 6: iat, -1: document id, -3: "template@version",
          -4: {seal field: value}, -5: SHA-256 of the canonical JSON of all field data }
```

A verifier goes in this order and stops at the first failure: the text's
shape (prefix, length, strict Base45, strict CBOR, COSE_Sign1 with the fixed
header), the station key (known, not revoked, signature good), the claims'
exact types, the key's window at the seal's own time, and a seal not from
the future, and a station key bound (its trust entry's `station`) to the
station the seal names: one station's key cannot vouch for another
station's paper. Refusal reasons are machine words: `malformed`,
`unknown_key`, `revoked_key`, `bad_signature`, `wrong_station`,
`key_window`, `not_yet_valid`, `data_mismatch`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import cbor2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from spool.audit import canonical_json

from station.trust.cose import Malformed, from_qr_text, qr_text, sign1_decode, sign1_encode, strict_loads
from station.errors import Refused
from station.trust.store import TrustError, TrustStore, format_time, kid_of, public_raw

SEAL_PREFIX = "MPS1:"
SEAL_AAD = b"MPS1/seal"
# Longer seals make denser QR codes; the renderer refuses to draw one beyond this.
SEAL_MAX_LENGTH = 1000
CLOCK_SKEW_SECONDS = 120
MAX_TIME = 253402300800  # 10000-01-01T00:00:00Z

CLAIM_ISS, CLAIM_IAT, CLAIM_DOCUMENT, CLAIM_TEMPLATE, CLAIM_FIELDS, CLAIM_DIGEST = 1, 6, -1, -3, -4, -5
_CLAIM_KEYS = {CLAIM_ISS, CLAIM_IAT, CLAIM_DOCUMENT, CLAIM_TEMPLATE, CLAIM_FIELDS, CLAIM_DIGEST}
_TEMPLATE_REF = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}@[1-9][0-9]{0,6}$")


class SealError(Refused):
    """A seal does not verify; `reason` is the machine word."""


@dataclass(frozen=True)
class SealClaims:
    """What a seal says about a document."""

    station: str
    issued_at: int
    document: str
    template: str
    fields: Mapping[str, str] = field(default_factory=dict)
    data_sha256: bytes = b""

    def to_cbor(self) -> bytes:
        """The claims' CBOR (the COSE payload)."""
        return cbor2.dumps({CLAIM_ISS: self.station, CLAIM_IAT: self.issued_at, CLAIM_DOCUMENT: self.document,
                            CLAIM_TEMPLATE: self.template, CLAIM_FIELDS: dict(self.fields),
                            CLAIM_DIGEST: self.data_sha256})

    def to_json(self) -> dict[str, Any]:
        """The claims for people and tools."""
        return {"station": self.station,
                "issued_at": format_time(datetime.fromtimestamp(self.issued_at, UTC)),
                "document": self.document, "template": self.template, "fields": dict(self.fields),
                "data_sha256": self.data_sha256.hex()}


@dataclass(frozen=True)
class VerifiedSeal:
    """A seal that verified, with the station key that signed it."""

    claims: SealClaims
    kid: str

    def to_json(self) -> dict[str, Any]:
        """The verdict and the claims, as `station seal verify` prints them."""
        return {"valid": True, "kid": self.kid, **self.claims.to_json()}


def data_digest(data: Mapping[str, str]) -> bytes:
    """SHA-256 of the canonical JSON of a document's field data (claim -5)."""
    return hashlib.sha256(canonical_json(dict(data))).digest()


def encode_seal(claims: SealClaims, key: Ed25519PrivateKey) -> str:
    """The seal's QR text, signed with the station key."""
    kid = bytes.fromhex(kid_of(public_raw(key)))
    return qr_text(SEAL_PREFIX, sign1_encode(claims.to_cbor(), key, kid, SEAL_AAD))


def _claims(payload: bytes) -> SealClaims:
    """The claims with their exact types; Malformed otherwise."""
    body = strict_loads(payload)
    if not isinstance(body, Mapping) or set(body) != _CLAIM_KEYS:
        raise Malformed("seal claims must be exactly {1, 6, -1, -3, -4, -5}")
    iss, iat, document, template = body[CLAIM_ISS], body[CLAIM_IAT], body[CLAIM_DOCUMENT], body[CLAIM_TEMPLATE]
    fields, digest = body[CLAIM_FIELDS], body[CLAIM_DIGEST]
    if not isinstance(iss, str) or not iss or not isinstance(document, str) or not document:
        raise Malformed("station and document ids must be non-empty text")
    if type(iat) is not int or not 0 <= iat < MAX_TIME:
        raise Malformed("iat must be an unsigned integer (seconds since the epoch, before year 10000)")
    if not isinstance(template, str) or not _TEMPLATE_REF.match(template):
        raise Malformed("template must be 'id@version'")
    if not isinstance(fields, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in fields.items()):
        raise Malformed("seal fields must map text to text")
    if not isinstance(digest, bytes) or len(digest) != 32:
        raise Malformed("data digest must be 32 bytes")
    return SealClaims(station=iss, issued_at=iat, document=document, template=template,
                      fields=dict(fields), data_sha256=digest)


def verify_seal(text: str, trust: TrustStore, *, now: datetime | None = None,
                data: Mapping[str, str] | None = None, station: str | None = None) -> VerifiedSeal:
    """Check a seal's text; SealError with the reason otherwise.

    With `data`, its digest must match; with `station`, the seal must name that station.
    """
    now = now or datetime.now(UTC)
    try:
        message = sign1_decode(from_qr_text(SEAL_PREFIX, text, max_length=SEAL_MAX_LENGTH))
        strict_loads(message.payload)
    except Malformed as err:
        raise SealError("malformed", str(err)) from None
    kid = message.kid.hex()
    try:
        good = trust.check_signature(kid, "station", message.to_be_signed(SEAL_AAD), message.signature)
    except TrustError as err:
        raise SealError(err.reason, str(err)) from None
    try:
        claims = _claims(message.payload)
    except Malformed as err:
        raise SealError("malformed", str(err)) from None
    if station is not None and claims.station != station:
        raise SealError("wrong_station", f"the seal names station {claims.station}, not {station}")
    good = [key for key in good if key.station == claims.station]
    if not good:
        raise SealError("wrong_station", f"station key {kid} is not bound to station {claims.station}"
                                         " in the trust store")
    issued = datetime.fromtimestamp(claims.issued_at, UTC)
    if not any(key.window_allows(issued, now) for key in good):
        raise SealError("key_window", f"station key {kid} may not sign at {format_time(issued)}"
                                      f" or verify at {format_time(now)}")
    if claims.issued_at > now.timestamp() + CLOCK_SKEW_SECONDS:
        raise SealError("not_yet_valid", f"the seal is dated {format_time(issued)}, in the future")
    if data is not None and data_digest(data) != claims.data_sha256:
        raise SealError("data_mismatch", "the document data does not match the seal's digest")
    return VerifiedSeal(claims=claims, kid=kid)
