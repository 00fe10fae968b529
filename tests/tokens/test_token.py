"""The token module: issuing, verifying, policy parameters, the QR image, the citizen's sentences."""

from __future__ import annotations

import math
from pathlib import Path

import cbor2
import pytest
import zxingcpp
from token_fixtures import Issuer
from PIL import Image

from station.trust import cose
from station.trust import token
from station.errors import StationError
from station.trust.store import kid_of, public_raw

NOW = 1_780_272_000  # 2026-06-01T00:00:00Z, inside the test issuer's signing window
STATION = "MPP-DEMO-01"


def _refusal(text: str, issuer: Issuer, **kw: object) -> token.TokenRefused:
    with pytest.raises(token.TokenRefused) as refused:
        token.verify(text, issuer.store, STATION, **{"now": NOW, **kw})  # type: ignore[arg-type]
    return refused.value


def _signed(issuer: Issuer, claims: dict[int, object], protected: bytes | None = None) -> str:
    """A token over an arbitrary claims map, properly signed (so only the claim rules can refuse it)."""
    kid = bytes.fromhex(kid_of(public_raw(issuer.key)))
    protected = cose.protected_header(kid) if protected is None else protected
    payload = cbor2.dumps(claims)
    signature = issuer.key.sign(cose.sig_structure(protected, token.EXTERNAL_AAD, payload))
    return cose.qr_text(token.PREFIX, cbor2.dumps(cbor2.CBORTag(18, [protected, {}, payload, signature])))


def _claims(changes: dict[int, object] | None = None) -> dict[int, object]:
    return {3: STATION, 4: NOW + 3600, 6: NOW, 7: bytes(12), -1: "DOC-1", **(changes or {})}


def test_issue_then_verify_gives_the_claims(issuer: Issuer) -> None:
    text = token.issue(issuer.key, STATION, "AKTA-1", ttl_seconds=3600, now=NOW)
    claims = token.verify(text, issuer.store, STATION, now=NOW + 10)
    assert (claims.station, claims.doc, claims.iat, claims.exp, claims.pin) == (STATION, "AKTA-1", NOW,
                                                                                 NOW + 3600, False)
    assert len(claims.cti) == 12 and claims.cti_hex == claims.cti.hex()
    assert claims.kid == kid_of(public_raw(issuer.key))
    assert text.startswith("MPP1:") and len(text) <= 400


def test_each_token_has_a_fresh_id(issuer: Issuer) -> None:
    ids = {token.verify(token.issue(issuer.key, STATION, "D", now=NOW), issuer.store, STATION, now=NOW).cti
           for _ in range(20)}
    assert len(ids) == 20


def test_pin_flag_travels(issuer: Issuer) -> None:
    text = token.issue(issuer.key, STATION, "D", pin=True, now=NOW)
    assert token.verify(text, issuer.store, STATION, now=NOW).pin is True
    # Without --pin the claim is left out (it is optional), not written as false.
    payload = cose.sign1_decode(cose.from_qr_text("MPP1:", token.issue(issuer.key, STATION, "D", now=NOW))).payload
    assert -2 not in cbor2.loads(payload)


def test_typical_token_is_about_200_characters(issuer: Issuer) -> None:
    # §4: about 135 bytes, 200 characters; a 16-character document id gives 144 bytes.
    text = token.issue(issuer.key, STATION, "AKTA-2026-000123", now=NOW)
    assert 190 <= len(text) <= 230


@pytest.mark.parametrize("kwargs", [{"ttl_seconds": 0}, {"ttl_seconds": -5}, {"ttl_seconds": 1.5},
                                    {"now": -1}, {"now": 2**64}, {"cti": b"short"}])
def test_issue_refuses_impossible_tokens(issuer: Issuer, kwargs: dict[str, object]) -> None:
    with pytest.raises(StationError):
        token.issue(issuer.key, STATION, "D", **kwargs)  # type: ignore[arg-type]


def test_issue_refuses_a_token_over_400_characters(issuer: Issuer) -> None:
    with pytest.raises(StationError, match="over 400"):
        token.issue(issuer.key, STATION, "D" * 200, now=NOW)


@pytest.mark.parametrize(("station", "doc"), [("", "D"), (STATION, "")])
def test_issue_needs_ids(issuer: Issuer, station: str, doc: str) -> None:
    with pytest.raises(StationError):
        token.issue(issuer.key, station, doc, now=NOW)


def test_skew_is_a_parameter(issuer: Issuer) -> None:
    text = token.issue(issuer.key, STATION, "D", ttl_seconds=3600, now=NOW + 60)
    assert token.verify(text, issuer.store, STATION, now=NOW).doc == "D"  # default skew: 120 s
    assert _refusal(text, issuer, skew_seconds=30).reason == "not_yet_valid"
    late = NOW + 60 + 3600
    assert token.verify(text, issuer.store, STATION, now=late + 119).doc == "D"
    assert _refusal(text, issuer, now=late, skew_seconds=0).reason == "expired"


def test_max_lifetime_is_a_parameter(issuer: Issuer) -> None:
    text = token.issue(issuer.key, STATION, "D", ttl_seconds=2 * 86400, now=NOW)
    assert token.verify(text, issuer.store, STATION, now=NOW).exp == NOW + 2 * 86400
    assert _refusal(text, issuer, max_lifetime_seconds=86400).reason == "lifetime"


def test_refusal_carries_claims_only_when_signed(issuer: Issuer) -> None:
    wrong = _refusal(token.issue(issuer.key, "OTHER", "D", now=NOW), issuer)
    assert wrong.reason == "wrong_station" and wrong.claims is not None and wrong.claims.doc == "D"
    text = token.issue(issuer.key, STATION, "D", now=NOW)
    forged = text[:-6] + ("000000" if not text.endswith("000000") else "111111")
    refused = _refusal(forged, issuer)
    assert refused.claims is None and refused.reason in ("bad_signature", "malformed")
    assert refused.exit_code == 1


def test_refusal_reason_must_be_a_known_word() -> None:
    with pytest.raises(ValueError):
        token.TokenRefused("nope", "not a reason")
    for reason in token.REASONS:
        assert token.TokenRefused(reason, "x").reason == reason


def test_now_must_be_finite(issuer: Issuer) -> None:
    text = token.issue(issuer.key, STATION, "D", now=NOW)
    with pytest.raises(ValueError):
        token.verify(text, issuer.store, STATION, now=math.nan)


# --- decisions where §4 leaves room ----------------------------------------------------

def test_unknown_claim_is_malformed(issuer: Issuer) -> None:
    # MPP1 is a closed format: an issuer's new claim needs a new prefix, not a silent skip.
    assert _refusal(_signed(issuer, {**_claims(), 5: NOW}), issuer).reason == "malformed"


@pytest.mark.parametrize("exp", [NOW, NOW - 60])
def test_zero_or_negative_lifetime_is_refused(issuer: Issuer, exp: int) -> None:
    assert _refusal(_signed(issuer, _claims({4: exp})), issuer).reason == "lifetime"


def test_claims_order_is_free(issuer: Issuer) -> None:
    # §4 asks for strict encodings, not sorted maps: another order of the same claims is accepted.
    claims = dict(reversed(list(_claims().items())))
    assert token.verify(_signed(issuer, claims), issuer.store, STATION, now=NOW).doc == "DOC-1"


def test_header_with_true_as_alg_label_is_malformed(issuer: Issuer) -> None:
    kid = bytes.fromhex(kid_of(public_raw(issuer.key)))
    for label in (True, 1.0):
        header = cbor2.dumps({label: -8, 4: kid})
        assert _refusal(_signed(issuer, _claims(), protected=header), issuer).reason == "malformed"


def test_key_window_with_a_moment_no_datetime_holds(issuer: Issuer) -> None:
    key = issuer.store.keys[0]
    assert token._window_allows(key, 2**63, NOW) is False
    assert token._window_allows(key, NOW, NOW) is True


# --- QR image ---------------------------------------------------------------------------

def test_qr_png_reads_back_alphanumeric_level_m(issuer: Issuer, tmp_path: Path) -> None:
    text = token.issue(issuer.key, STATION, "AKTA-2026-000123", now=NOW)
    code = token.qr_code(text)
    assert (code.mode, code.error, code.version) == ("alphanumeric", "M", 8)
    path = tmp_path / "qr.png"
    token.write_qr_png(text, path)
    found = zxingcpp.read_barcodes(Image.open(path))
    assert [(r.text, r.ec_level) for r in found] == [(text, "M")]


# --- what the citizen reads -----------------------------------------------------------------

def test_every_reason_has_a_sentence_in_both_languages() -> None:
    for reason in token.REASONS:
        indonesian, english = token.citizen_message(reason, "id"), token.citizen_message(reason, "en")
        assert indonesian != english
        assert indonesian.endswith(".") and english.endswith(".")
        assert "_" not in indonesian + english  # no machine words on screen


def test_sentences_say_what_to_do_next() -> None:
    assert "staff" in token.citizen_message("already_used", "en")
    assert "petugas" in token.citizen_message("expired", "id")
    assert "PIN" in token.citizen_message("pin_required", "en")


def test_unknown_reason_or_language_still_gives_a_sentence() -> None:
    assert token.citizen_message("no-such-word", "en") == token.citizen_message("malformed", "en")
    assert token.citizen_message("expired", "fr") == token.citizen_message("expired", "id")


def test_release_policy_from_the_configuration(issuer: Issuer) -> None:
    from station.config import ReleaseSection

    policy = token.release_policy(ReleaseSection(clock_skew_seconds=5, max_token_lifetime_days=0.5))
    assert policy == {"skew_seconds": 5, "max_lifetime_seconds": 43200}
    text = token.issue(issuer.key, STATION, "D", ttl_seconds=86400, now=NOW)
    assert _refusal(text, issuer, **policy).reason == "lifetime"


def test_both_sentences_for_the_kiosk_event() -> None:
    assert token.citizen_messages("pin_locked") == {"id": token.citizen_message("pin_locked", "id"),
                                                    "en": token.citizen_message("pin_locked", "en")}


def test_a_key_listed_again_as_revoked_verifies_nothing(issuer: Issuer) -> None:
    from dataclasses import replace

    from station.trust.store import TrustStore

    active = issuer.store.keys[0]
    store = TrustStore(keys=(active, replace(active, status="revoked")))
    text = token.issue(issuer.key, STATION, "D", now=NOW)
    with pytest.raises(token.TokenRefused) as refused:
        token.verify(text, store, STATION, now=NOW)
    assert refused.value.reason == "revoked_key"
