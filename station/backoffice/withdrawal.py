"""The §7.1 Withdrawal: the back office takes a document back, in the same feed as documents.

```
Withdrawal = {"withdraw": tstr /* document id */, "station": tstr,
              "revision": uint /* the revision withdrawn */, "reason": tstr,
              "issued_at": "<RFC 3339>", "kid": "<hex>", "signature": "<base64>"}
```

signed by an issuer key over `"MPP1/withdrawal\\n"` followed by the canonical
JSON of the withdrawal without `kid` and `signature`. It is checked as
strictly as a document (shape, key, signature, key window, time); a refusal
is a `DocumentRefused` whose `document_id` is the withdrawn id when readable.
A withdrawal without `station` and `revision` (the form before issue 21) is
malformed: it names nothing it could be bound to, so it cancels nothing
(docs/adr/0110-withdrawals-are-bound.md). Whether it is bound to the held
document (station, revision, issue time) is decided by `changes.withdraw`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from spool.audit import canonical_json

from station.trust.store import TrustError, TrustStore, format_time, kid_of, public_raw
from . import document, document_model
from .document import DocumentRefused

SIGNING_PREFIX = b"MPP1/withdrawal\n"
FIELDS = ("withdraw", "station", "revision", "reason", "issued_at", "kid", "signature")
MAX_REASON = 500
# The office's reason reaches the audit only when it is a plain word (it is free text otherwise).
_REASON_WORD = re.compile(r"[a-z][a-z0-9_-]{0,63}")


@dataclass(frozen=True)
class Withdrawal:
    """A §7.1 withdrawal whose shape has been checked (its signature only by `verify`)."""

    document_id: str
    station: str
    revision: int
    reason: str
    issued_at: str
    kid: str
    signature: str

    def to_json(self) -> dict[str, Any]:
        """The withdrawal in its §7.1 JSON form."""
        return {"withdraw": self.document_id, "station": self.station, "revision": self.revision,
                "reason": self.reason, "issued_at": self.issued_at, "kid": self.kid, "signature": self.signature}

    @property
    def issued(self) -> datetime:
        """`issued_at` as an aware datetime."""
        return document._parse_time(self.issued_at, "issued_at", self.document_id)

    def signing_bytes(self) -> bytes:
        """The bytes the issuer signed."""
        return signing_bytes(self.to_json())

    @property
    def reason_word(self) -> str:
        """The reason as the audit may record it: the office's word, or `other` for free text."""
        return self.reason if _REASON_WORD.fullmatch(self.reason) else "other"


def is_withdrawal(item: Any) -> bool:
    """True when a feed item is meant as a withdrawal (it has `withdraw`), whatever else is wrong with it."""
    return isinstance(item, Mapping) and "withdraw" in item


def readable_id(item: Any) -> str | None:
    """The withdrawn document's id when well-formed, else None (for refusals)."""
    value = item.get("withdraw") if isinstance(item, Mapping) else None
    return value if document.is_document_id(value) else None


def parse(item: Any) -> Withdrawal:
    """Check a withdrawal's shape strictly; `DocumentRefused("malformed")` otherwise."""
    doc_id = readable_id(item)

    def refuse(message: str) -> DocumentRefused:
        return DocumentRefused("malformed", f"withdrawal: {message}", doc_id)

    if not isinstance(item, Mapping) or any(type(k) is not str for k in item):
        raise refuse("must be a JSON object with text keys")
    if set(item) != set(FIELDS):
        missing = [k for k in FIELDS if k not in item]
        unknown = sorted(set(item) - set(FIELDS))
        raise refuse(f"missing {', '.join(missing) or 'nothing'}; unknown {', '.join(u[:40] for u in unknown[:5]) or 'nothing'}")
    if doc_id is None:
        raise refuse("withdraw must be a document id")
    station, revision = item["station"], item["revision"]
    if type(station) is not str or not document.is_document_id(station):
        raise refuse("station must be a station id")
    if type(revision) is not int or not 0 <= revision <= document.MAX_REVISION:
        raise refuse(f"revision must be an integer from 0 to {document.MAX_REVISION}")
    reason = item["reason"]
    if type(reason) is not str or not 0 < len(reason) <= MAX_REASON or not reason.isprintable():
        raise refuse(f"reason must be 1 to {MAX_REASON} printable characters")
    issued_at = item["issued_at"]
    if type(issued_at) is not str:
        raise refuse("issued_at must be an RFC 3339 time with an offset")
    document._parse_time(issued_at, "issued_at", doc_id)
    kid = item["kid"]
    if type(kid) is not str or not document_model.KID.fullmatch(kid):
        raise refuse("kid must be 16 lower-case hex digits")
    signature = item["signature"]
    if type(signature) is not str or document_model.signature_bytes(signature) is None:
        raise refuse("signature must be the base64 of 64 bytes")
    return Withdrawal(doc_id, station, revision, reason, issued_at, kid, signature)


def signing_bytes(withdrawal: Mapping[str, Any]) -> bytes:
    """`"MPP1/withdrawal\\n"` + the canonical JSON of the withdrawal without `kid` and `signature`."""
    return SIGNING_PREFIX + canonical_json({k: v for k, v in withdrawal.items() if k not in document.UNSIGNED})


def sign(fields: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The withdrawal `fields` with the issuer's `kid` and `signature` added (back offices, tests)."""
    body = {k: v for k, v in fields.items() if k not in document.UNSIGNED}
    signature = key.sign(signing_bytes(body))
    return {**body, "kid": kid_of(public_raw(key)), "signature": base64.b64encode(signature).decode()}


def make(document_id: str, reason: str, key: Ed25519PrivateKey, *, station: str, revision: int,
         now: datetime | None = None) -> dict[str, Any]:
    """A signed withdrawal of revision `revision` of `document_id` at `station`, issued now."""
    return sign({"withdraw": document_id, "station": station, "revision": revision, "reason": reason,
                 "issued_at": format_time(now or datetime.now(UTC))}, key)


def verify(item: Withdrawal, trust: TrustStore, *, now: datetime | None = None,
           skew: timedelta = document.DEFAULT_SKEW) -> None:
    """Key, signature, key window, then not issued in the future; `DocumentRefused` otherwise."""
    now = now or datetime.now(UTC)
    signature = document_model.signature_bytes(item.signature)
    issued = document._parse_time(item.issued_at, "issued_at", item.document_id)
    if signature is None:
        raise DocumentRefused("malformed", "withdrawal: signature must be the base64 of 64 bytes", item.document_id)
    try:
        trust.verify(item.kid, document.PURPOSE, item.signing_bytes(), signature, signed_at=issued, now=now)
    except TrustError as err:
        raise DocumentRefused(err.reason, f"withdrawal: {err}", item.document_id) from None
    if issued > now + skew:
        raise DocumentRefused("not_yet_valid", f"withdrawal issued at {item.issued_at}, after now"
                                               f" ({format_time(now)})", item.document_id)


def check(item: Any, trust: TrustStore, *, now: datetime | None = None) -> Withdrawal:
    """Parse and verify one withdrawal; `DocumentRefused` otherwise."""
    parsed = parse(item)
    verify(parsed, trust, now=now)
    return parsed
