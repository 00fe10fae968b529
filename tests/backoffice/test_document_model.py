"""The pydantic strict models accept and refuse what the hand-written parser did (issue 23).

`old_parse` is a frozen copy of the parser the models replaced (commit
8944102, `station/backoffice/document.py` and `pdf_form.content`), kept here
to compare against: on generated documents both give the same `Document`, or
the same refusal (reason word, sentence and id).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spool.audit import canonical_json
from station.backoffice import document
from station.backoffice.document import Document, DocumentRefused
from station.trust import store as trust_module
from station.trust.pin import PinVerifierError, ScryptVerifier, make_verifier

# --- the frozen copy -----------------------------------------------------------

REQUIRED = ("id", "template", "template_version", "data", "pickup_expires", "issued_at", "kid", "signature")
PDF_REQUIRED = ("id", "kind", "pdf", "sha256", "pickup_expires", "issued_at", "kid", "signature")
OPTIONAL = ("pin_verifier", "revision")
MAX_PDF_BYTES = 8 * 1024 * 1024
_DOCUMENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_TEMPLATE_ID = re.compile(r"[a-z][a-z0-9-]{0,63}")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]{0,127}")
_KID = re.compile(r"[0-9a-f]{16}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _old_time(text: str, name: str, doc_id: str | None) -> datetime:
    match = _RFC3339.fullmatch(text)
    if match is None:
        raise DocumentRefused("malformed", f"{name} must be an RFC 3339 time with an offset", doc_id)
    if match.group(1) and len(match.group(1)) > 7:
        text = text[:match.start(1) + 7] + text[match.end(1):]
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise DocumentRefused("malformed", f"{name} is not a real time: {text!r}", doc_id) from None
    return moment.astimezone(UTC)


def _old_b64(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 64 or base64.b64encode(raw).decode("ascii") != text:
        return None
    return raw


def _old_pdf(item: Mapping[str, Any], refuse: Any) -> dict[str, Any]:
    if item["kind"] != "pdf":
        raise refuse('kind must be "pdf" when present')
    pdf = item["pdf"]
    if type(pdf) is not str or len(pdf) > 4 * (MAX_PDF_BYTES // 3 + 1):
        raise refuse(f"pdf must be the base64 of at most {MAX_PDF_BYTES} bytes")
    try:
        raw = base64.b64decode(pdf, validate=True)
    except (binascii.Error, ValueError):
        raise refuse("pdf is not strict base64") from None
    if not raw or len(raw) > MAX_PDF_BYTES or base64.b64encode(raw).decode("ascii") != pdf:
        raise refuse(f"pdf must be the canonical base64 of 1 to {MAX_PDF_BYTES} bytes")
    digest = item["sha256"]
    if type(digest) is not str or not _SHA256.fullmatch(digest):
        raise refuse("sha256 must be 64 lower-case hex digits")
    return {"kind": "pdf", "pdf": pdf, "sha256": digest, "template": "", "template_version": 0, "data": {}}


def _old_data(data: Any, refuse: Any) -> dict[str, str]:
    if not isinstance(data, Mapping):
        raise refuse("data must be an object of text fields")
    if len(data) > 400:
        raise refuse(f"data has {len(data)} fields, over 400")
    checked: dict[str, str] = {}
    for name, value in data.items():
        if type(name) is not str or not _FIELD_NAME.fullmatch(name):
            raise refuse(f"data field name {str(name)[:40]!r} is not a plain identifier")
        if type(value) is not str:
            raise refuse(f"data field {name!r} must be text")
        if len(value) > 4096:
            raise refuse(f"data field {name!r} is {len(value)} characters, over 4096")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise refuse(f"data field {name!r} holds control characters or broken text") from None
        if _CONTROL.search(value):
            raise refuse(f"data field {name!r} holds control characters or broken text")
        checked[name] = value
    return checked


def old_parse(item: Any) -> Document:  # noqa: C901 - the copy is kept as it was
    doc_id = None
    if isinstance(item, Mapping):
        value = item.get("id")
        doc_id = value if type(value) is str and _DOCUMENT_ID.fullmatch(value) else None

    def refuse(message: str) -> DocumentRefused:
        return DocumentRefused("malformed", message, doc_id)

    if not isinstance(item, Mapping):
        raise refuse("a document must be a JSON object")
    if any(type(k) is not str for k in item):
        raise refuse("document keys must be text")
    required = PDF_REQUIRED if "kind" in item else REQUIRED
    missing = [k for k in required if k not in item]
    if missing:
        raise refuse(f"missing fields: {', '.join(missing)}")
    unknown = sorted(set(item) - set(required) - set(OPTIONAL))
    if unknown:
        raise refuse(f"unknown fields: {', '.join(u[:40] for u in unknown[:5])}")
    if doc_id is None:
        raise refuse("id must be 1 to 128 characters of A-Z a-z 0-9 . _ : - (starting with a letter"
                     " or digit)")
    if "kind" in item:
        content = _old_pdf(item, refuse)
    else:
        template = item["template"]
        if type(template) is not str or not _TEMPLATE_ID.fullmatch(template) or re.search(r"\d{6}", template):
            raise refuse("template must be a short lower-case id (a-z, 0-9, -)")
        version = item["template_version"]
        if type(version) is not int or not 1 <= version <= 2**31 - 1:
            raise refuse("template_version must be a positive integer")
        content = {"template": template, "template_version": version, "data": _old_data(item["data"], refuse)}
    for name in ("pickup_expires", "issued_at"):
        value = item[name]
        if type(value) is not str or not _RFC3339.fullmatch(value):
            raise refuse(f"{name} must be an RFC 3339 time with an offset")
        _old_time(value, name, doc_id)
    kid = item["kid"]
    if type(kid) is not str or not _KID.fullmatch(kid):
        raise refuse("kid must be 16 lower-case hex digits")
    signature = item["signature"]
    if type(signature) is not str or _old_b64(signature) is None:
        raise refuse("signature must be the base64 of 64 bytes")
    pin_verifier = item.get("pin_verifier")
    if "pin_verifier" in item:
        try:
            ScryptVerifier.parse(pin_verifier)
        except PinVerifierError as err:
            raise refuse(str(err)) from None
    revision = item.get("revision")
    if "revision" in item and (type(revision) is not int or not 0 <= revision <= 2**31 - 1):
        raise refuse("revision must be a non-negative integer")
    doc = Document(id=doc_id, pickup_expires=item["pickup_expires"], issued_at=item["issued_at"], kid=kid,
                   signature=signature, pin_verifier=pin_verifier, revision=revision, **content)
    size = len(canonical_json(doc.to_json()))
    if size > 64 * 1024 + len(doc.pdf or ""):
        raise refuse(f"document is {size} bytes, over {64 * 1024} (beside its PDF)")
    if _old_time(doc.pickup_expires, "pickup_expires", doc.id) <= _old_time(doc.issued_at, "issued_at", doc.id):
        raise refuse("pickup_expires is not after issued_at")
    return doc


# --- the comparison ------------------------------------------------------------

KEY = trust_module.new_private_key()
PIN = make_verifier("123456")
TEMPLATE = document.sign({"id": "AK-1", "template": "akta-kelahiran", "template_version": 3,
                          "data": {"nama": "SITI", "anggota.1.nama": "BUDI"},
                          "pickup_expires": "2026-03-15T00:00:00Z", "issued_at": "2026-03-01T08:00:00+07:00"}, KEY)
PDF = document.sign({"id": "PDF-1", "kind": "pdf", "pdf": base64.b64encode(b"%PDF-1.7 x").decode(), "sha256": "a" * 64,
                     "pickup_expires": "2026-03-15T00:00:00Z", "issued_at": "2026-03-01T08:00:00Z"}, KEY)


def outcome(parse: Any, item: Any) -> Any:
    try:
        return parse(item)
    except DocumentRefused as err:
        return (err.reason, str(err), err.document_id)


times = st.one_of(
    st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda moment: moment.isoformat() + "Z"),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})",
                  fullmatch=True),
    st.sampled_from(["2026-03-01", "2026-03-01T00:00:00", "2026-02-30T00:00:00Z", "2026-03-01T00:00:00+24:00",
                     "2026-02-30T00:00:00.1234567891Z", "2026-03-01T00:00:00z"]))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 2**32), st.floats(allow_nan=False), st.text(max_size=12))
values = {
    "id": st.one_of(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:/ -]{0,10}", fullmatch=True), scalars,
                    st.just("A" * 129)),
    "template": st.one_of(st.from_regex(r"[a-zA-Z0-9-]{0,12}", fullmatch=True), scalars),
    "template_version": st.one_of(st.integers(-2, 2**31 + 1), scalars),
    "data": st.one_of(st.dictionaries(st.one_of(st.from_regex(r"[A-Za-z_][A-Za-z0-9_. ]{0,6}", fullmatch=True),
                                                st.text(max_size=4)),
                                      st.one_of(st.text(max_size=8), scalars), max_size=4), scalars,
                      st.lists(st.text(max_size=3), max_size=2)),
    "pickup_expires": st.one_of(times, scalars),
    "issued_at": st.one_of(times, scalars),
    "kid": st.one_of(st.from_regex(r"[0-9a-fA-F]{14,17}", fullmatch=True), scalars),
    "signature": st.one_of(st.binary(min_size=62, max_size=66).map(lambda raw: base64.b64encode(raw).decode()),
                           scalars),
    "pin_verifier": st.one_of(st.just(PIN), st.just(PIN + "x"), scalars),
    "revision": st.one_of(st.integers(-2, 2**31 + 1), scalars),
    "kind": st.one_of(st.just("pdf"), scalars),
    "pdf": st.one_of(st.binary(max_size=12).map(lambda raw: base64.b64encode(raw).decode()), scalars),
    "sha256": st.one_of(st.from_regex(r"[0-9a-fA-F]{63,65}", fullmatch=True), scalars),
    "note": scalars,
}


@st.composite
def documents(draw: st.DrawFn) -> Any:
    """A good document of either form, with some fields changed, dropped or added."""
    item = dict(draw(st.sampled_from([TEMPLATE, PDF])))
    for name in draw(st.lists(st.sampled_from(sorted(values)), max_size=3, unique=True)):
        if draw(st.booleans()) and name in item:
            del item[name]
        else:
            item[name] = draw(values[name])
    return item


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_the_models_agree_with_the_old_parser(item: dict[str, Any]) -> None:
    assert outcome(document.parse, item) == outcome(old_parse, item)


@pytest.mark.parametrize("item", [TEMPLATE, PDF, ["a list"], {1: "x"}, {**TEMPLATE, "kind": "pdf"},
                                  {**TEMPLATE, "pin_verifier": None}, {**TEMPLATE, "revision": None},
                                  {**TEMPLATE, "revision": True}, {**TEMPLATE, "template_version": 2**70},
                                  {**TEMPLATE, "data": {"a\ud800": "x"}}, {**TEMPLATE, "data": {"a": "x\ud800"}},
                                  {**TEMPLATE, "id": "AK-\ud800"}])
def test_the_models_agree_on_the_edges(item: Any) -> None:
    assert outcome(document.parse, item) == outcome(old_parse, item)
