"""The §7 Document (PROTOCOLS.md): strict parsing, signing bytes, issuer signature checks.

A document comes from outside the station, so everything about it is checked
before anything is stored: its JSON (no duplicate keys, no NaN, bounded
sizes), its shape (exact fields, exact types: the pydantic strict models of
`document_model`), its issuer signature (over
`"MPP1/document\\n"` and the canonical JSON of the document without `kid`
and `signature`) and its times. A document of `kind: "pdf"` (§7.2) carries
an agency-signed PDF instead of template data (`PdfShape` checks those
fields; the PDF's own signature is checked when it is rendered). A refusal
is a `DocumentRefused` carrying a machine word (`REASONS`) and, when it
could be read, the document id.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from spool import rfc3339
from spool.audit import canonical_json

from ..errors import Refused
from station.trust.store import TrustedKey, TrustError, TrustStore, format_time, kid_of, public_raw
from . import pdf_form
from .document_model import (  # noqa: F401 - the bounds, as callers and tests know them
    DOCUMENT_ID,
    MAX_FIELD_VALUE,
    MAX_FIELDS,
    MAX_REVISION,
    MAX_TEMPLATE_VERSION,
    PdfShape,
    TemplateShape,
    shape_error,
    signature_bytes,
)

SIGNING_PREFIX = b"MPP1/document\n"
PURPOSE = "issuer"

UNSIGNED = ("kid", "signature")

# Why a document is refused, as machine words (the first five as §4 uses them).
REASONS = ("malformed", "unknown_key", "revoked_key", "bad_signature", "key_window",
           "not_yet_valid", "expired", "conflict", "rejected")

# Bounds: a back office that sends more is broken or hostile, not busy (the fields' own: `document_model`).
MAX_DOCUMENT_BYTES = 64 * 1024
MAX_JSON_DEPTH = 32
DEFAULT_SKEW = timedelta(seconds=120)


class DocumentRefused(Refused):
    """A document is not accepted; `reason` is one of `REASONS`, `document_id` set when readable."""

    def __init__(self, reason: str, message: str, document_id: str | None = None) -> None:
        if reason not in REASONS:
            raise ValueError(f"not a document refusal reason: {reason!r}")
        super().__init__(reason, message)
        self.document_id = document_id


@dataclass(frozen=True)
class Document:
    """A §7 document whose shape has been checked (its signature only by `verify`)."""

    id: str
    template: str
    template_version: int
    data: Mapping[str, str]
    pickup_expires: str
    issued_at: str
    kid: str
    signature: str
    pin_verifier: str | None = None
    kind: str = "template"  # or "pdf" (§7.2): then `pdf` and `sha256` instead of template and data
    pdf: str | None = None
    sha256: str | None = None
    # §7.1: a correction carries a higher revision; None when the field was absent (revision 0).
    revision: int | None = None
    # §4.1: the typed code's reference and the scrypt verifier of its secret digits (both or neither).
    pickup_ref: str | None = None
    code_verifier: str | None = None

    @property
    def rev(self) -> int:
        """The document's revision (0 when it has none)."""
        return self.revision or 0

    def to_json(self) -> dict[str, Any]:
        """The document in its §7 JSON form."""
        doc: dict[str, Any] = {"id": self.id, "pickup_expires": self.pickup_expires,
                               "issued_at": self.issued_at, "kid": self.kid, "signature": self.signature}
        if self.kind == pdf_form.KIND:
            doc.update(kind=self.kind, pdf=self.pdf, sha256=self.sha256)
        else:
            doc.update(template=self.template, template_version=self.template_version, data=dict(self.data))
        if self.pin_verifier is not None:
            doc["pin_verifier"] = self.pin_verifier
        if self.revision is not None:
            doc["revision"] = self.revision
        if self.pickup_ref is not None:
            doc["pickup_ref"] = self.pickup_ref
        if self.code_verifier is not None:
            doc["code_verifier"] = self.code_verifier
        return doc

    def payload(self) -> str:
        """The canonical JSON of the whole document: what the spool stores as the job's payload."""
        return canonical_json(self.to_json()).decode("utf-8")

    def signing_bytes(self) -> bytes:
        """The bytes the issuer signed."""
        return signing_bytes(self.to_json())

    @property
    def issued(self) -> datetime:
        """`issued_at` as an aware datetime."""
        return _parse_time(self.issued_at, "issued_at", self.id)

    @property
    def expires(self) -> datetime:
        """`pickup_expires` as an aware datetime."""
        return _parse_time(self.pickup_expires, "pickup_expires", self.id)


# --- JSON in -----------------------------------------------------------------

def loads(body: bytes | str) -> Any:
    """Strict JSON: UTF-8, no duplicate keys, no NaN/Infinity, bounded depth; `malformed` otherwise."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes | bytearray) else body
        value = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except DocumentRefused:
        raise
    except UnicodeDecodeError:
        raise DocumentRefused("malformed", "reply is not UTF-8") from None
    except (ValueError, RecursionError, TypeError) as err:
        # ValueError covers JSONDecodeError and over-long integers.
        raise DocumentRefused("malformed", f"not JSON: {_short(err)}") from None
    _check_depth(value)
    return value


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise DocumentRefused("malformed", f"duplicate JSON key {key[:40]!r}")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise DocumentRefused("malformed", f"{name} is not JSON")


def _check_depth(value: Any) -> None:
    """Refuse deep nesting without recursion (the parser already coped with it)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_JSON_DEPTH:
            raise DocumentRefused("malformed", f"JSON nested deeper than {MAX_JSON_DEPTH}")
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)


def _short(err: BaseException) -> str:
    return str(err)[:120]


# --- the document's shape ----------------------------------------------------

def readable_id(item: Any) -> str | None:
    """The id of a would-be document when it is a well-formed id, else None (for refusals)."""
    if isinstance(item, Mapping):
        value = item.get("id")
        if is_document_id(value):
            return value
    return None


def is_document_id(value: Any) -> bool:
    """True when `value` is a well-formed document id."""
    return type(value) is str and DOCUMENT_ID.fullmatch(value) is not None


def parse(item: Any) -> Document:
    """Check a document's shape strictly (signature not checked); `DocumentRefused("malformed")` otherwise.

    The shape is the pydantic strict model of its form (`document_model`); what
    spans fields (the size, the order of the two times) is checked here.
    """
    doc_id = readable_id(item)
    if not isinstance(item, Mapping):
        raise DocumentRefused("malformed", "a document must be a JSON object", doc_id)
    if any(type(k) is not str for k in item):
        raise DocumentRefused("malformed", "document keys must be text", doc_id)
    try:
        shape = (PdfShape if "kind" in item else TemplateShape).model_validate(dict(item))
    except ValidationError as err:
        raise DocumentRefused("malformed", shape_error(err), doc_id) from None
    doc = Document(id=shape.id, pickup_expires=shape.pickup_expires, issued_at=shape.issued_at, kid=shape.kid,
                   signature=shape.signature, pin_verifier=shape.pin_verifier, revision=shape.revision,
                   pickup_ref=shape.pickup_ref, code_verifier=shape.code_verifier, **shape.content())
    if (doc.pickup_ref is None) != (doc.code_verifier is None):
        raise DocumentRefused("malformed", "pickup_ref and code_verifier come together (PROTOCOLS §4.1)", doc_id)
    size = len(canonical_json(doc.to_json()))
    if size > MAX_DOCUMENT_BYTES + len(doc.pdf or ""):
        raise DocumentRefused("malformed", f"document is {size} bytes, over {MAX_DOCUMENT_BYTES} (beside its PDF)",
                              doc_id)
    if doc.expires <= doc.issued:
        raise DocumentRefused("malformed", "pickup_expires is not after issued_at", doc_id)
    return doc


def _parse_time(text: object, name: str, doc_id: str | None) -> datetime:
    """An RFC 3339 time as an aware UTC datetime (fractions beyond microseconds are cut)."""
    try:
        return rfc3339.parse(text)
    except rfc3339.TimeTextError as err:
        raise DocumentRefused("malformed", f"{name} {err}", doc_id) from None


# --- signatures --------------------------------------------------------------

def signing_bytes(document: Mapping[str, Any]) -> bytes:
    """`"MPP1/document\\n"` + the canonical JSON of the document without `kid` and `signature`."""
    return SIGNING_PREFIX + canonical_json({k: v for k, v in document.items() if k not in UNSIGNED})


def sign(fields: Mapping[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    """The document `fields` with the issuer's `kid` and `signature` added."""
    body = {k: v for k, v in fields.items() if k not in UNSIGNED}
    signature = key.sign(signing_bytes(body))
    return {**body, "kid": kid_of(public_raw(key)), "signature": base64.b64encode(signature).decode()}


def verify(doc: Document, trust: TrustStore, *, now: datetime | None = None,
           skew: timedelta = DEFAULT_SKEW) -> TrustedKey:
    """The issuer key that signed `doc`, after every check; `DocumentRefused` otherwise.

    Order: key and signature (`unknown_key`, `revoked_key`, `bad_signature`),
    the key's window for `issued_at` (`key_window`), then the document's own
    times: not issued in the future (`not_yet_valid`), pickup window not over
    (`expired`).
    """
    now = now or datetime.now(UTC)
    signature = signature_bytes(doc.signature)
    if signature is None:  # parse() already refused these; kept for Documents built by hand
        raise DocumentRefused("malformed", "signature must be the base64 of 64 bytes", doc.id)
    try:
        key = trust.verify(doc.kid, PURPOSE, doc.signing_bytes(), signature, signed_at=doc.issued, now=now)
    except TrustError as err:
        raise DocumentRefused(err.reason, str(err), doc.id) from None
    if doc.issued > now + skew:
        raise DocumentRefused("not_yet_valid", f"issued at {doc.issued_at}, after now"
                                               f" ({format_time(now)})", doc.id)
    if doc.expires <= now:
        raise DocumentRefused("expired", f"pickup window ended at {doc.pickup_expires}", doc.id)
    return key


def check(item: Any, trust: TrustStore, *, now: datetime | None = None) -> Document:
    """Parse and verify one document: what may be stored; `DocumentRefused` otherwise."""
    doc = parse(item)
    verify(doc, trust, now=now)
    return doc


# --- the page of documents ---------------------------------------------------

MAX_CURSOR = 512


@dataclass(frozen=True)
class Page:
    """One reply of `GET .../documents`: the items as sent (each still to check) and the next cursor."""

    items: tuple[Any, ...]
    cursor: str


def parse_page(body: bytes | str, *, max_items: int = 1000) -> Page:
    """Check a page reply's outer shape; its documents are checked one by one later."""
    value = loads(body)
    if not isinstance(value, dict) or set(value) != {"documents", "cursor"}:
        raise DocumentRefused("malformed", 'reply must be exactly {"documents": [...], "cursor": "..."}')
    items, cursor = value["documents"], value["cursor"]
    if not isinstance(items, list):
        raise DocumentRefused("malformed", "documents must be a list")
    if len(items) > max_items:
        raise DocumentRefused("malformed", f"page of {len(items)} documents, more than asked")
    if type(cursor) is not str or not 0 < len(cursor) <= MAX_CURSOR or not cursor.isprintable() \
            or not cursor.isascii():
        raise DocumentRefused("malformed", f"cursor must be 1 to {MAX_CURSOR} printable ASCII characters")
    return Page(items=tuple(items), cursor=cursor)
