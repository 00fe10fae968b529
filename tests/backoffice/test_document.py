"""The §7 Document: strict parsing, the exact signing bytes, and every refusal reason."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.trust import store as trust_module
from station.backoffice import document
from station.backoffice.document import DocumentRefused
from station.trust.pin import make_verifier
from station.trust.store import TrustStore

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
KEY = trust_module.new_private_key()
STORE = TrustStore(keys=(trust_module.entry_for(KEY, "issuer", sign_from=datetime(2026, 1, 1, tzinfo=UTC)),))


def fields(**overrides: Any) -> dict[str, Any]:
    """A valid unsigned document."""
    base = {"id": "AK-TEST-00001", "template": "akta-kelahiran", "template_version": 3,
            "data": {"nama": "SITI RAHAYU", "nomor_akta": "3174-LT-01022026-0001", "anggota.1.nama": "BUDI"},
            "pickup_expires": "2026-03-15T00:00:00Z", "issued_at": "2026-03-01T08:00:00+07:00"}
    base.update(overrides)
    return base


def signed(**overrides: Any) -> dict[str, Any]:
    """A valid document signed by KEY."""
    return document.sign(fields(**overrides), KEY)


def reason_of(item: Any, store: TrustStore = STORE, now: datetime = NOW) -> str:
    with pytest.raises(DocumentRefused) as caught:
        document.check(item, store, now=now)
    return caught.value.reason


def test_signed_document_verifies_and_payload_is_canonical() -> None:
    item = signed()
    doc = document.check(item, STORE, now=NOW)
    assert doc.id == "AK-TEST-00001" and doc.data["nama"] == "SITI RAHAYU"
    assert json.loads(doc.payload()) == item
    assert doc.payload() == json.dumps(item, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_signing_bytes_are_the_prefix_and_canonical_json_without_kid_and_signature() -> None:
    item = {"id": "D1", "template": "nib", "template_version": 1, "data": {"b": "é", "a": "x"},
            "pickup_expires": "2026-03-15T00:00:00Z", "issued_at": "2026-03-01T00:00:00Z",
            "kid": "0011223344556677", "signature": "ignored"}
    expected = (b"MPP1/document\n"
                b'{"data":{"a":"x","b":"\xc3\xa9"},"id":"D1","issued_at":"2026-03-01T00:00:00Z",'
                b'"pickup_expires":"2026-03-15T00:00:00Z","template":"nib","template_version":1}')
    assert document.signing_bytes(item) == expected
    resigned = document.sign(item, KEY)
    raw = base64.b64decode(resigned["signature"])
    KEY.public_key().verify(raw, expected)  # raises if the bytes differ


def test_pin_verifier_is_signed_too() -> None:
    item = signed(pin_verifier=make_verifier("123456", ln=4))
    assert document.check(item, STORE, now=NOW).pin_verifier == item["pin_verifier"]
    item["pin_verifier"] = make_verifier("654321", ln=4)
    assert reason_of(item) == "bad_signature"


@pytest.mark.parametrize("change", [
    lambda d: d["data"].update(nama="SITI RAHAYU "),
    lambda d: d["data"].update(extra="x"),
    lambda d: d.update(template_version=4),
    lambda d: d.update(id="AK-TEST-00002"),
    lambda d: d.update(pickup_expires="2026-03-16T00:00:00Z"),
    lambda d: d.update(issued_at="2026-03-01T01:00:00Z"),
    lambda d: d.update(template="kartu-keluarga"),
])
def test_any_change_after_signing_is_a_bad_signature(change: Any) -> None:
    item = signed()
    change(item)
    assert reason_of(item) == "bad_signature"


def test_refusal_reasons_of_keys_and_times() -> None:
    stranger = trust_module.new_private_key()
    assert reason_of(document.sign(fields(), stranger)) == "unknown_key"
    revoked = STORE.with_revoked(STORE.keys[0].kid)
    assert reason_of(signed(), revoked) == "revoked_key"
    # Issued before the key's signing window opened.
    assert reason_of(signed(issued_at="2025-12-31T00:00:00Z")) == "key_window"
    # Issued in the future (beyond the skew), or the pickup window already over.
    assert reason_of(signed(issued_at="2026-03-01T09:05:00Z")) == "not_yet_valid"
    assert document.check(signed(issued_at="2026-03-01T09:01:00Z"), STORE, now=NOW)  # within skew
    assert reason_of(signed(pickup_expires="2026-03-01T08:59:59Z")) == "expired"


MALFORMED = {
    "not an object": ["a list"],
    "missing signature": {k: v for k, v in signed().items() if k != "signature"},
    "unknown field": {**signed(), "note": "x"},
    "id with a slash": signed(id="AK/1"),
    "id empty": signed(id=""),
    "id too long": signed(id="A" * 129),
    "id not text": signed(id=7),
    "template upper case": signed(template="Akta"),
    "template with a long number": signed(template="t-1234567890123456"),
    "version is bool": signed(template_version=True),
    "version is float": signed(template_version=3.0),
    "version is text": signed(template_version="3"),
    "version zero": signed(template_version=0),
    "data not an object": signed(data=["x"]),
    "data value not text": signed(data={"nama": 5}),
    "data value null": signed(data={"nama": None}),
    "data name with space": signed(data={"na ma": "x"}),
    "data value oversized": signed(data={"nama": "x" * (document.MAX_FIELD_VALUE + 1)}),
    "data with too many fields": signed(data={f"f{i}": "x" for i in range(document.MAX_FIELDS + 1)}),
    "data with a control character": signed(data={"nama": "a\x1bb"}),
    "data with a lone surrogate": {**signed(), "data": {"nama": "a\ud800"}},
    "time without offset": signed(issued_at="2026-03-01T08:00:00"),
    "time as a date": signed(pickup_expires="2026-03-15"),
    "time impossible": signed(pickup_expires="2026-02-30T00:00:00Z"),
    "time as a number": signed(pickup_expires=1772000000),
    "expires before issued": signed(pickup_expires="2026-02-28T00:00:00Z"),
    "kid upper case": {**signed(), "kid": signed()["kid"].upper()},
    "kid short": {**signed(), "kid": "abcd"},
    "signature not base64": {**signed(), "signature": "!!!"},
    "signature 63 bytes": {**signed(), "signature": base64.b64encode(bytes(63)).decode()},
    "signature unpadded": {**signed(), "signature": signed()["signature"].rstrip("=")},
    "pin verifier null": signed(pin_verifier=None),
    "pin verifier not PHC": signed(pin_verifier="1234"),
    "pin verifier too costly": signed(pin_verifier="$scrypt$ln=30,r=8,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_documents_are_refused_as_malformed(name: str) -> None:
    assert reason_of(MALFORMED[name]) == "malformed"


def test_a_malformed_document_keeps_its_id_when_readable() -> None:
    with pytest.raises(DocumentRefused) as caught:
        document.check(signed(template_version="3"), STORE, now=NOW)
    assert caught.value.document_id == "AK-TEST-00001"
    with pytest.raises(DocumentRefused) as caught:
        document.check(signed(id="bad id"), STORE, now=NOW)
    assert caught.value.document_id is None


@pytest.mark.parametrize("body", [
    b'{"a": 1, "a": 2}', b'{"a": NaN}', b'[Infinity]', b"[" * 5000 + b"]" * 5000,
    b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}", b"\xff\xfe", b"1" * 5000, b"", b"{", b'"\\ud800',
])
def test_strict_json_refuses(body: bytes) -> None:
    with pytest.raises(DocumentRefused) as caught:
        document.loads(body)
    assert caught.value.reason == "malformed"


def test_page_shape() -> None:
    page = document.parse_page(json.dumps({"documents": [1, {}], "cursor": "abc"}))
    assert page.items == (1, {}) and page.cursor == "abc"
    for bad in ({"documents": [], "cursor": ""}, {"documents": [], "cursor": 5}, {"documents": {}, "cursor": "a"},
                {"documents": []}, {"documents": [], "cursor": "a", "more": 1}, [], {"documents": [], "cursor": "é"},
                {"documents": [1, 2, 3], "cursor": "a"}):
        with pytest.raises(DocumentRefused):
            document.parse_page(json.dumps(bad), max_items=2)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=6),
    max_leaves=30)


@settings(max_examples=300)
@given(json_values)
def test_any_json_value_is_a_document_or_a_clear_refusal(value: Any) -> None:
    try:
        document.check(value, STORE, now=NOW)
    except DocumentRefused as err:
        assert err.reason in document.REASONS


@settings(max_examples=300)
@given(st.dictionaries(st.sampled_from(sorted(fields()) + ["kid", "signature", "pin_verifier", "x"]),
                       json_values, max_size=10))
def test_documents_shaped_at_random_never_escape_as_other_errors(value: dict[str, Any]) -> None:
    item = {**signed(), **value}
    try:
        document.check(item, STORE, now=NOW)
    except DocumentRefused as err:
        assert err.reason in document.REASONS


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_any_bytes_are_json_or_malformed(body: bytes) -> None:
    try:
        document.parse_page(body)
    except DocumentRefused as err:
        assert err.reason == "malformed"


@settings(max_examples=100)
@given(st.dictionaries(st.from_regex(r"[a-z][a-z0-9_]{0,20}", fullmatch=True),
                       st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40), max_size=8))
def test_sign_then_check_round_trips_any_text_data(data: dict[str, str]) -> None:
    item = signed(data=data)
    assert dict(document.check(item, STORE, now=NOW).data) == data
    # And through the wire: JSON text, parsed strictly, verifies the same.
    again = document.loads(json.dumps(item, ensure_ascii=bool(len(data) % 2)))
    assert document.check(again, STORE, now=NOW).payload() == document.check(item, STORE, now=NOW).payload()


def test_issued_at_with_nanoseconds_and_offsets() -> None:
    item = signed(issued_at="2026-03-01T07:59:59.123456789+07:00")
    doc = document.check(item, STORE, now=NOW)
    assert doc.issued == datetime(2026, 3, 1, 0, 59, 59, 123456, tzinfo=UTC)
    assert doc.expires - doc.issued > timedelta(days=13)
