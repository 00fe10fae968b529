"""The §7 document's shape as pydantic strict models (issue 23: in place of a hand-written parser).

The models say what each field is: exact types (`strict`: no `"3"` for 3, no
`true` for 1), the id, template, kid and signature alphabets, bounded data,
RFC 3339 times (`spool.rfc3339`), a PIN verifier `ScryptVerifier` accepts. A
check of our own raises `ValueError` with the sentence a person reads; a
type pydantic refuses is told with the field's own sentence (`FIELD_MESSAGES`),
so the refusals read as they always did. `shape_error` turns pydantic's
errors into that one sentence, in the order the fields are declared
(missing fields first, then unknown ones).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo
from pydantic import field_validator

from spool import rfc3339

from station.trust import pickup_code
from station.trust.pin import PinVerifierError, ScryptVerifier
from . import pdf_form

MAX_FIELDS = 400
MAX_FIELD_VALUE = 4096
MAX_TEMPLATE_VERSION = 2**31 - 1
MAX_REVISION = 2**31 - 1

# Ids travel in URL paths and file names: a conservative alphabet, no slash.
DOCUMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# Template ids start with a letter and hold no long digit runs (they reach the
# audit, which refuses NIK- or phone-shaped values).
_TEMPLATE_ID = re.compile(r"[a-z][a-z0-9-]{0,63}")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,127}")
KID = re.compile(r"[0-9a-f]{16}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
# Control characters other than tab and newline have no place in document text.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TIME_MESSAGE = "must be an RFC 3339 time with an offset"

# What a person reads when a field has the wrong type (or fails its pattern).
FIELD_MESSAGES = {
    "id": "id must be 1 to 128 characters of A-Z a-z 0-9 . _ : - (starting with a letter or digit)",
    "template": "template must be a short lower-case id (a-z, 0-9, -)",
    "template_version": "template_version must be a positive integer",
    "data": "data must be an object of text fields",
    "pickup_expires": f"pickup_expires {_TIME_MESSAGE}",
    "issued_at": f"issued_at {_TIME_MESSAGE}",
    "kid": "kid must be 16 lower-case hex digits",
    "signature": "signature must be the base64 of 64 bytes",
    "revision": "revision must be a non-negative integer",
    "kind": 'kind must be "pdf" when present',
    "pdf": f"pdf must be the base64 of at most {pdf_form.MAX_PDF_BYTES} bytes",
    "sha256": "sha256 must be 64 lower-case hex digits",
    "pickup_ref": "pickup_ref must be 4 digits",
}


def _matching(pattern: re.Pattern[str], field: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        if not pattern.fullmatch(value):
            raise ValueError(FIELD_MESSAGES[field])
        return value
    return check


def _template(value: str) -> str:
    if not _TEMPLATE_ID.fullmatch(value) or re.search(r"\d{6}", value):
        raise ValueError(FIELD_MESSAGES["template"])
    return value


def signature_bytes(text: str) -> bytes | None:
    """The 64 bytes of a strict (canonical, padded) base64 signature, else None."""
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 64 or base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def _signature(value: str) -> str:
    if signature_bytes(value) is None:
        raise ValueError(FIELD_MESSAGES["signature"])
    return value


def _data(data: Any) -> Any:
    """Bounds first (a hostile page is refused before it is walked twice), then each name and value."""
    if not isinstance(data, Mapping):
        raise ValueError(FIELD_MESSAGES["data"])
    if len(data) > MAX_FIELDS:
        raise ValueError(f"data has {len(data)} fields, over {MAX_FIELDS}")
    for name, value in data.items():
        if type(name) is not str or not _FIELD_NAME.fullmatch(name):
            raise ValueError(f"data field name {str(name)[:40]!r} is not a plain identifier")
        if type(value) is not str:
            raise ValueError(f"data field {name!r} must be text")
        if len(value) > MAX_FIELD_VALUE:
            raise ValueError(f"data field {name!r} is {len(value)} characters, over {MAX_FIELD_VALUE}")
        if _CONTROL.search(value) or not _encodable(value):
            raise ValueError(f"data field {name!r} holds control characters or broken text")
    return dict(data)


def _encodable(text: str) -> bool:
    """False for lone surrogates (JSON allows \\ud800, UTF-8 does not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _pin_verifier(value: Any) -> Any:
    try:
        ScryptVerifier.parse(value)
    except PinVerifierError as err:
        raise ValueError(str(err)) from None
    return value


def _code_verifier(value: Any) -> Any:
    problem = pickup_code.verifier_error(value)
    if problem is not None:
        raise ValueError(problem)
    return value


def _pdf(value: str) -> str:
    if len(value) > 4 * (pdf_form.MAX_PDF_BYTES // 3 + 1):
        raise ValueError(FIELD_MESSAGES["pdf"])
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("pdf is not strict base64") from None
    if not raw or len(raw) > pdf_form.MAX_PDF_BYTES or base64.b64encode(raw).decode("ascii") != value:
        raise ValueError(f"pdf must be the canonical base64 of 1 to {pdf_form.MAX_PDF_BYTES} bytes")
    return value


DocumentId = Annotated[str, AfterValidator(_matching(DOCUMENT_ID, "id"))]
Time = Annotated[str, Field(strict=True)]
# Optional fields: absent is None, but a `null` sent is refused (the type is not optional).
PinVerifier = Annotated[Any, AfterValidator(_pin_verifier)]
# §4.1: the typed code's reference (4 digits, not secret) and the scrypt verifier of its 8 secret digits.
PickupRef = Annotated[str, AfterValidator(_matching(pickup_code.REF, "pickup_ref"))]
CodeVerifier = Annotated[Any, AfterValidator(_code_verifier)]
Revision = Annotated[int, Field(ge=0, le=MAX_REVISION)]


class _Shape(BaseModel):
    """What every §7 document carries; subclasses add the template or the PDF fields."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    @field_validator("pickup_expires", "issued_at", check_fields=False)
    @classmethod
    def _time(cls, value: str, info: ValidationInfo) -> str:
        try:
            rfc3339.parse(value)
        except rfc3339.TimeTextError as err:
            raise ValueError(f"{info.field_name} {err}") from None
        return value


class TemplateShape(_Shape):
    """A §7 document filled into a template. Fields in the order they are checked."""

    id: DocumentId
    template: Annotated[str, AfterValidator(_template)]
    template_version: Annotated[int, Field(ge=1, le=MAX_TEMPLATE_VERSION)]
    data: Annotated[dict[str, str], BeforeValidator(_data)]
    pickup_expires: Time
    issued_at: Time
    kid: Annotated[str, AfterValidator(_matching(KID, "kid"))]
    signature: Annotated[str, AfterValidator(_signature)]
    pin_verifier: PinVerifier = None
    revision: Revision = None  # type: ignore[assignment]  # absent: None; sent as null: refused
    pickup_ref: PickupRef = None  # type: ignore[assignment]
    code_verifier: CodeVerifier = None

    def content(self) -> dict[str, Any]:
        """The fields that make this form of document."""
        return {"template": self.template, "template_version": self.template_version, "data": self.data}


class PdfShape(_Shape):
    """A §7.2 document: an agency-signed PDF in place of template data."""

    id: DocumentId
    kind: Literal["pdf"]
    pdf: Annotated[str, AfterValidator(_pdf)]
    sha256: Annotated[str, AfterValidator(_matching(_SHA256, "sha256"))]
    pickup_expires: Time
    issued_at: Time
    kid: Annotated[str, AfterValidator(_matching(KID, "kid"))]
    signature: Annotated[str, AfterValidator(_signature)]
    pin_verifier: PinVerifier = None
    revision: Revision = None  # type: ignore[assignment]
    pickup_ref: PickupRef = None  # type: ignore[assignment]
    code_verifier: CodeVerifier = None

    def content(self) -> dict[str, Any]:
        """The fields that make this form of document (no template: its `kind` says "pdf")."""
        return {"kind": pdf_form.KIND, "pdf": self.pdf, "sha256": self.sha256, "template": "",
                "template_version": 0, "data": {}}


def shape_error(err: ValidationError) -> str:
    """The one sentence for pydantic's errors: missing fields, else unknown ones, else the first field at fault."""
    problems = err.errors()
    missing = [str(p["loc"][0]) for p in problems if p["type"] == "missing"]
    if missing:
        return f"missing fields: {', '.join(missing)}"
    unknown = sorted(str(p["loc"][0]) for p in problems if p["type"] == "extra_forbidden")
    if unknown:
        return f"unknown fields: {', '.join(u[:40] for u in unknown[:5])}"
    first = problems[0]
    cause = first.get("ctx", {}).get("error")
    if first["type"] == "value_error" and cause is not None:
        return str(cause)
    return FIELD_MESSAGES.get(str(first["loc"][0]), f"{first['loc'][0]}: {first['msg']}")
