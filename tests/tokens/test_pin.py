"""PIN verifiers: PHC scrypt strings, parsed strictly, bounded against hostile parameters."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.trust import pin
from station.errors import StationError
from station.trust.pin import PinVerifierError, ScryptVerifier

# RFC 7914 §12, the third vector: scrypt("pleaseletmein", "SodiumChloride", N=16384, r=8, p=1, 64 bytes).
RFC_HASH = bytes.fromhex("7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
                         "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887")


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode().rstrip("=")


RFC_VERIFIER = f"$scrypt$ln=14,r=8,p=1${b64(b'SodiumChloride')}${b64(RFC_HASH)}"
SALT, HASH = b64(b"0123456789abcdef"), b64(bytes(range(32)))


def test_rfc_7914_vector() -> None:
    assert pin.check_pin("pleaseletmein", RFC_VERIFIER)
    assert not pin.check_pin("pleaseletmeim", RFC_VERIFIER)


def test_made_verifier_has_the_protocol_form_and_checks() -> None:
    verifier = pin.make_verifier("482913")
    assert verifier.startswith("$scrypt$ln=15,r=8,p=1$")
    parsed = ScryptVerifier.parse(verifier)
    assert (len(parsed.salt), len(parsed.hash)) == (16, 32)
    assert "=" not in verifier.split("$", 3)[3]  # base64 without padding
    assert pin.check_pin("482913", verifier)
    assert not pin.check_pin("482914", verifier)


def test_two_verifiers_of_one_pin_differ() -> None:
    assert pin.make_verifier("1234", ln=4, r=1) != pin.make_verifier("1234", ln=4, r=1)


@pytest.mark.parametrize("attempt", ["", "1" * 65, None, 1234, "\udcff12"])
def test_impossible_pins_never_match(attempt: object) -> None:
    assert ScryptVerifier.parse(RFC_VERIFIER).matches(attempt) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("text", [
    f"$scrypt$ln=015,r=8,p=1${SALT}${HASH}",                  # leading zero
    f"$scrypt$r=8,ln=15,p=1${SALT}${HASH}",                   # parameters out of order
    f"$scrypt$ln=15,r=8${SALT}${HASH}",                       # p missing
    f"$scrypt$ln=15,r=8,p=1,x=2${SALT}${HASH}",               # extra parameter
    f"$scrypt$v=1$ln=15,r=8,p=1${SALT}${HASH}",               # version field
    f"$SCRYPT$ln=15,r=8,p=1${SALT}${HASH}",                   # upper case
    f"$scrypt$ln=15,r=8,p=1${SALT}==${HASH}",                 # padding
    f"$scrypt$ln=15,r=8,p=1${SALT}${HASH}\n",                 # trailing newline
    f" $scrypt$ln=15,r=8,p=1${SALT}${HASH}",                  # leading space
    f"$scrypt$ln=15,r=8,p=1${SALT.replace('M', '-')}${HASH}",  # URL-safe alphabet
    f"$scrypt$ln=15,r=8,p=1${SALT}${HASH[:-1]}B",             # stray bits in the last character
    f"$scrypt$ln=15,r=8,p=1${SALT}",                          # no hash
    f"$scrypt$ln=15,r=8,p=1${b64(b'short')}${HASH}",          # salt under 8 bytes
    f"$scrypt$ln=15,r=8,p=1${SALT}${b64(bytes(8))}",          # hash under 16 bytes
    f"$scrypt$ln=15,r=8,p=1${SALT}${b64(bytes(65))}",         # hash over 64 bytes
    f"$scrypt$ln=15,r=8,p=1${SALT}${HASH}AA",                 # impossible base64 length
    f"$argon2id$v=19$m=65536,t=3,p=4${SALT}${HASH}",          # another algorithm
    "", "$scrypt$", "1234", "$" * 300,
])
def test_strict_parsing(text: str) -> None:
    with pytest.raises(PinVerifierError):
        ScryptVerifier.parse(text)


@pytest.mark.parametrize(("ln", "r", "p"), [
    (0, 8, 1), (15, 0, 8), (15, 8, 0),     # zero is no parameter
    (17, 8, 1),                            # 128 MiB of memory
    (40, 8, 1), (999, 8, 1),               # years of work, petabytes of memory
    (15, 8, 16),                           # sixteen times the work
    (15, 33, 1), (12, 8, 17),
])
def test_hostile_parameters_are_refused_before_any_hashing(ln: int, r: int, p: int) -> None:
    # Refused by the bounds, so no scrypt ever runs: these would take minutes or gigabytes.
    with pytest.raises(PinVerifierError):
        ScryptVerifier.parse(f"$scrypt$ln={ln},r={r},p={p}${SALT}${HASH}")
    with pytest.raises(PinVerifierError):
        ScryptVerifier(ln=ln, r=r, p=p, salt=bytes(16), hash=bytes(32))


def test_parameter_with_many_digits_is_refused() -> None:
    with pytest.raises(PinVerifierError):
        ScryptVerifier.parse(f"$scrypt$ln={'9' * 5000},r=8,p=1${SALT}${HASH}")


def test_bounds_admit_the_protocol_default_and_somewhat_more() -> None:
    for ln, r, p in [(15, 8, 1), (16, 8, 1), (16, 8, 2), (15, 8, 4), (1, 1, 1)]:
        ScryptVerifier.parse(f"$scrypt$ln={ln},r={r},p={p}${SALT}${HASH}")


@given(st.text(max_size=300))
def test_any_text_parses_or_is_refused_cleanly(text: str) -> None:
    try:
        parsed = ScryptVerifier.parse(text)
    except PinVerifierError:
        return
    assert parsed.to_text() == text


@given(ln=st.integers(1, 12), r=st.integers(1, 8), p=st.integers(1, 4),
       salt=st.binary(min_size=8, max_size=64), digest=st.binary(min_size=16, max_size=64))
def test_text_form_round_trips(ln: int, r: int, p: int, salt: bytes, digest: bytes) -> None:
    verifier = ScryptVerifier(ln=ln, r=r, p=p, salt=salt, hash=digest)
    assert ScryptVerifier.parse(verifier.to_text()) == verifier


PIN_TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=12)


@given(secret=PIN_TEXT, other=PIN_TEXT)
def test_a_pin_matches_its_own_verifier_only(secret: str, other: str) -> None:
    verifier = pin.make_verifier(secret, ln=4, r=1)
    assert pin.check_pin(secret, verifier)
    assert pin.check_pin(other, verifier) is (other == secret)


@pytest.mark.parametrize("secret", ["", "1" * 65, "12\udcff"])
def test_no_verifier_for_an_impossible_pin(secret: str) -> None:
    with pytest.raises(StationError):
        pin.make_verifier(secret, ln=4, r=1)
