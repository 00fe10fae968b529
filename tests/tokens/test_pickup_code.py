"""(issue 24) The typed pickup code's parser and verifier (PROTOCOLS §4.1), property-tested."""

from __future__ import annotations

import base64
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.trust import pickup_code
from station.trust.pin import make_verifier

DIGITS = st.text(alphabet="0123456789", min_size=12, max_size=12)
SEPARATED = st.lists(st.sampled_from(["", "-", " "]), min_size=13, max_size=13)


@given(DIGITS, SEPARATED)
def test_dashes_and_spaces_are_ignored(digits: str, separators: list[str]) -> None:
    typed = "".join(sep + digit for sep, digit in zip(separators, digits + "", strict=False)) + separators[-1]
    if len(typed) > pickup_code.MAX_TYPED_LENGTH:
        return
    code = pickup_code.parse(typed)
    assert (code.ref, code.secret) == (digits[:4], digits[4:])
    assert pickup_code.parse(code.text()) == code
    assert re.fullmatch(r"\d{4}-\d{4}-\d{4}", code.text())


@given(st.text(max_size=60))
def test_anything_else_is_refused_with_a_clear_error(text: str) -> None:
    if re.fullmatch(r"[0-9 -]*", text) and len(re.sub(r"[ -]", "", text)) == 12 and len(text) <= 40:
        return
    with pytest.raises(pickup_code.CodeShapeError) as refused:
        pickup_code.parse(text)
    assert "12 digits" in str(refused.value)


@pytest.mark.parametrize("typed", ["١٢٣٤٥٦٧٨٩٠١٢", "１２３４５６７８９０１２", "1234_5678_9012", "1234.5678.9012",
                                   "12345678901", "1234567890123", "+23456789012", " " * 30 + "1" * 12, None, 123456789012])
def test_look_alike_digits_and_wrong_lengths_are_no_code(typed: object) -> None:
    with pytest.raises(pickup_code.CodeShapeError):
        pickup_code.parse(typed)


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_only_the_secret_the_verifier_was_made_from_matches(secret: str, other: str) -> None:
    verifier = make_verifier(secret, ln=2)
    assert pickup_code.matches(pickup_code.PickupCode("0001", secret), verifier)
    assert pickup_code.matches(pickup_code.PickupCode("0001", other), verifier) is (other == secret)


@given(st.one_of(st.none(), st.integers(), st.text(max_size=300)))
def test_a_bad_verifier_matches_nothing_and_says_why(verifier: object) -> None:
    assert not pickup_code.matches(pickup_code.PickupCode("0001", "12345678"), verifier)
    problem = pickup_code.verifier_error(verifier)
    assert problem is not None and problem.startswith("code_verifier")


def test_issue_makes_eight_secret_digits_and_a_verifier_that_matches() -> None:
    issued = pickup_code.issue("0420", ln=2)
    assert issued.code.ref == "0420" and re.fullmatch(r"\d{8}", issued.code.secret)
    assert issued.fields()["pickup_ref"] == "0420" and pickup_code.matches(issued.code, issued.verifier)
    assert issued.code.secret not in repr(issued.code)  # a repr in a log line never carries the secret
    assert pickup_code.use_id(issued.verifier) != pickup_code.use_id(pickup_code.issue("0420", ln=2).verifier)
    assert re.fullmatch(r"[0-9a-f]{24}", pickup_code.use_id(issued.verifier))
    with pytest.raises(pickup_code.CodeShapeError):
        pickup_code.issue("42")
    assert pickup_code.issue("0420").verifier.startswith("$scrypt$ln=15,r=8,p=1$")  # §4.1's parameters


def make_document(**extra: object) -> dict[str, object]:
    return {"id": "AKTA-1", "template": "akta-kelahiran", "template_version": 1, "data": {"nama": "Siti"},
            "pickup_expires": "2027-01-01T00:00:00Z", "issued_at": "2026-12-01T00:00:00Z",
            "kid": "0123456789abcdef", "signature": base64.b64encode(bytes(64)).decode("ascii"), **extra}


def test_the_document_model_takes_the_code_fields_and_refuses_a_half() -> None:
    from station.backoffice.document import DocumentRefused, parse

    issued = pickup_code.issue("0007", ln=2)
    doc = parse(make_document(**issued.fields()))
    assert (doc.pickup_ref, doc.code_verifier) == ("0007", issued.verifier)
    assert doc.to_json()["pickup_ref"] == "0007"
    for bad in ({"pickup_ref": "0007"}, {"code_verifier": issued.verifier}, {"pickup_ref": "7", "code_verifier":
                issued.verifier}, {"pickup_ref": "0007", "code_verifier": "$scrypt$nope"},
                {"pickup_ref": 7, "code_verifier": issued.verifier}):
        with pytest.raises(DocumentRefused) as refused:
            parse(make_document(**bad))
        assert refused.value.reason == "malformed"
