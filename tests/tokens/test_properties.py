"""Property tests: the codec and the verifier against generated and mutated input."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import cbor2
import pytest
import token_corpus as corpus
from hypothesis import assume, given
from hypothesis import strategies as st

from station.trust import cose
from station.trust import token
from station.trust import store as trust
from station.cli import main
from station.cli.token_cmd import duration
from station.errors import StationError

NOW = corpus.NOW
STATION = corpus.STATION
KEY = trust.new_private_key()
KID = bytes.fromhex(trust.kid_of(trust.public_raw(KEY)))
STORE = trust.TrustStore(keys=(trust.entry_for(KEY, "issuer", sign_from=datetime(2026, 1, 1, tzinfo=UTC),
                                               valid_days=400),))
GOOD = token.issue(KEY, STATION, corpus.DOC, now=NOW - 3600)
GOOD_COSE = cose.from_qr_text(token.PREFIX, GOOD)
SCALARS = (st.integers(-(2**64), 2**64 - 1) | st.binary(max_size=20) | st.text(max_size=20) | st.booleans()
           | st.none() | st.floats(allow_nan=False))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.integers(-30, 30) | st.text(max_size=5), inner, max_size=4),
                      max_leaves=12)


def _refused_or_claims(text: str) -> token.TokenClaims | None:
    """Verify; None when refused with a known word (anything else escapes and fails the test)."""
    try:
        return token.verify(text, STORE, STATION, now=NOW)
    except token.TokenRefused as refused:
        assert refused.reason in token.VERIFY_REASONS
        return None


@given(station=st.text(min_size=1, max_size=30), doc=st.text(min_size=1, max_size=40),
       ttl=st.integers(1, 30 * 86400), pin=st.booleans(), age=st.floats(0, 1))
def test_issued_tokens_verify_to_their_claims(station: str, doc: str, ttl: int, pin: bool, age: float) -> None:
    try:
        text = token.issue(KEY, station, doc, ttl_seconds=ttl, pin=pin, now=NOW)
    except StationError as err:
        assert "over 400" in str(err)  # long UTF-8 ids; nothing else may refuse
        return
    now = NOW + int(age * (ttl + 119))
    claims = token.verify(text, STORE, station, now=now)
    assert (claims.station, claims.doc, claims.iat, claims.exp, claims.pin) == (station, doc, NOW, NOW + ttl, pin)


@given(st.text(max_size=500))
def test_any_text_is_refused_cleanly(text: str) -> None:
    assert _refused_or_claims(text) is None


@given(st.text(corpus.B45, max_size=450))
def test_any_base45_text_is_refused_cleanly(body: str) -> None:
    assert _refused_or_claims(token.PREFIX + body) is None


@given(st.binary(max_size=280))
def test_any_bytes_are_refused_cleanly(data: bytes) -> None:
    assert _refused_or_claims(token.PREFIX + corpus.b45(data)) is None


@given(st.data())
def test_no_single_byte_change_is_accepted(data: st.DataObject) -> None:
    message = bytearray(GOOD_COSE)
    where = data.draw(st.integers(0, len(message) - 1))
    kind = data.draw(st.sampled_from(["flip", "set", "insert", "delete"]))
    if kind == "flip":
        message[where] ^= 1 << data.draw(st.integers(0, 7))
    elif kind == "set":
        value = data.draw(st.integers(0, 255))
        assume(value != message[where])
        message[where] = value
    elif kind == "insert":
        message.insert(where, data.draw(st.integers(0, 255)))
    else:
        del message[where]
    assert _refused_or_claims(token.PREFIX + corpus.b45(bytes(message))) is None


@given(st.data())
def test_no_single_character_change_is_accepted(data: st.DataObject) -> None:
    where = data.draw(st.integers(0, len(GOOD) - 1))
    char = data.draw(st.sampled_from(corpus.B45 + "abcxyz#\n"))
    assume(char != GOOD[where])
    assert _refused_or_claims(GOOD[:where] + char + GOOD[where + 1:]) is None


@given(aud=VALUES | st.just(STATION), exp=VALUES | st.integers(NOW, NOW + 86400),
       iat=VALUES | st.just(NOW - 60), cti=VALUES | st.binary(min_size=12, max_size=12),
       doc=VALUES, pin=VALUES, drop=st.sets(st.sampled_from([3, 4, 6, 7, -1, -2])))
def test_signed_claims_of_any_shape_give_exact_types_or_a_refusal(aud: object, exp: object, iat: object,
                                                                   cti: object, doc: object, pin: object,
                                                                   drop: set[int]) -> None:
    claims = {k: v for k, v in {3: aud, 4: exp, 6: iat, 7: cti, -1: doc, -2: pin}.items() if k not in drop}
    payload = cbor2.dumps(claims)
    signature = KEY.sign(cose.sig_structure(cose.protected_header(KID), token.EXTERNAL_AAD, payload))
    message = cbor2.dumps(cbor2.CBORTag(18, [cose.protected_header(KID), {}, payload, signature]))
    assume(len(message) < 260)
    found = _refused_or_claims(token.PREFIX + corpus.b45(message))
    if found is not None:
        assert type(found.station) is str and type(found.doc) is str and type(found.pin) is bool
        assert type(found.iat) is int and type(found.exp) is int and type(found.cti) is bytes


@given(text=st.text(max_size=120))
def test_the_cli_refuses_any_text_with_one_json_line(text: str, trust_file: Path) -> None:
    assume(not text.startswith("-") and "\x00" not in text)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["token", "verify", text, "--trust", str(trust_file), "--station",
                     STATION, "--now", str(NOW)])
    verdict = json.loads(out.getvalue())
    assert code == 1 and out.getvalue().count("\n") == 1
    assert verdict["valid"] is False and verdict["reason"] in token.VERIFY_REASONS


@pytest.fixture(scope="module")
def trust_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The property tests' trust store on disk."""
    path = tmp_path_factory.mktemp("property-trust") / "trust.json"
    STORE.save(path)
    return path


# --- the strict CBOR codec -------------------------------------------------------------------

@given(VALUES)
def test_strict_cbor_takes_every_shortest_encoding(value: object) -> None:
    data = cbor2.dumps(value)
    assert cbor2.dumps(cose.strict_loads(data)) == data


@given(st.integers(0, 2**32), st.sampled_from([1, 2, 4, 8]), st.sampled_from([0, 1]))
def test_strict_cbor_refuses_every_longer_integer(value: int, width: int, major: int) -> None:
    assume(value < 256**width)
    shortest, longer = corpus.head(major, value), corpus.head(major, value, width)
    assume(len(longer) > len(shortest))
    for wrap in (lambda b: b, lambda b: b"\x81" + b, lambda b: b"\xa1\x01" + b):
        with pytest.raises(cose.Malformed):
            cose.strict_loads(wrap(longer))
        cose.strict_loads(wrap(shortest))


@given(st.lists(st.binary(max_size=5), min_size=1, max_size=4))
def test_strict_cbor_refuses_indefinite_lengths(chunks: list[bytes]) -> None:
    with pytest.raises(cose.Malformed):
        cose.strict_loads(corpus.indefinite(2, [corpus.enc(c) for c in chunks]))
    with pytest.raises(cose.Malformed):
        cose.strict_loads(corpus.indefinite(4, [corpus.enc(c) for c in chunks]))


@given(st.lists(st.integers(-50, 50), min_size=1, max_size=6), st.data())
def test_strict_cbor_refuses_duplicate_keys(keys: list[int], data: st.DataObject) -> None:
    duplicate = data.draw(st.sampled_from(keys))
    pairs = [(k, 0) for k in keys] + [(duplicate, 1)]
    with pytest.raises(cose.Malformed):
        cose.strict_loads(corpus.cmap(pairs))


@given(VALUES, st.binary(min_size=1, max_size=4))
def test_strict_cbor_refuses_trailing_bytes(value: object, tail: bytes) -> None:
    with pytest.raises(cose.Malformed):
        cose.strict_loads(cbor2.dumps(value) + tail)


# --- Base45 and the QR text ---------------------------------------------------------------------

@given(st.binary(max_size=260))
def test_base45_round_trip_against_an_independent_encoder(data: bytes) -> None:
    assert cose.from_qr_text("MPP1:", "MPP1:" + corpus.b45(data)) == data


@given(st.text(corpus.B45, max_size=60))
def test_base45_accepts_only_its_one_form(body: str) -> None:
    try:
        raw = cose.from_qr_text("MPP1:", "MPP1:" + body)
    except cose.Malformed:
        return
    assert corpus.b45(raw) == body


# --- command-line durations ---------------------------------------------------------------------

@given(st.integers(1, 10**9), st.sampled_from(["s", "m", "h", "d", ""]))
def test_duration_forms(number: int, unit: str) -> None:
    assert duration(f"{number}{unit}") == number * {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}[unit]


@given(st.text(max_size=12))
def test_duration_refuses_cleanly(text: str) -> None:
    try:
        assert duration(text) > 0
    except argparse.ArgumentTypeError:
        pass
