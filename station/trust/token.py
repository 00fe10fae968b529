"""Pickup tokens (PROTOCOLS.md §4): issue them, and verify all that needs no spool.

`verify` goes in the order §4 gives and stops at the first failure: the QR
text (prefix, length, strict Base45), strict CBOR everywhere (outer item,
protected header and claims), the COSE_Sign1 shape, the issuer key, the
signature, then the claims: types, `aud`, times, lifetime and, last, the
key's signing window. It returns the claims; the caller (the release flow)
then checks the spool: the document, its state, and that `cti` is unused.
"""

from __future__ import annotations

import io
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import cbor2
import segno
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station.trust import cose
from station.errors import StationError
from station.files import write_atomic
from station.trust.store import TrustedKey, TrustError, TrustStore, kid_of, public_raw

if TYPE_CHECKING:
    from station.config import ReleaseSection

PREFIX = "MPP1:"
EXTERNAL_AAD = b"MPP1/release"
PURPOSE = "issuer"
MAX_TEXT_LENGTH = 400
CTI_LENGTH = 12
UINT_MAX = 2**64 - 1
DEFAULT_SKEW_SECONDS = 120
DEFAULT_MAX_LIFETIME_SECONDS = 30 * 86400
DEFAULT_TTL_SECONDS = 7 * 86400

# Claim keys (§4).
AUD, EXP, IAT, CTI, DOC, PIN = 3, 4, 6, 7, -1, -2
REQUIRED_CLAIMS = (AUD, EXP, IAT, CTI, DOC)
KNOWN_CLAIMS = frozenset((*REQUIRED_CLAIMS, PIN))

# Refusals this module decides, then those the release flow decides with the spool.
VERIFY_REASONS = ("malformed", "unknown_key", "revoked_key", "bad_signature", "key_window",
                  "wrong_station", "expired", "not_yet_valid", "lifetime")
RELEASE_REASONS = ("unknown_document", "not_staged", "already_used", "pin_required", "pin_locked",
                   "bad_code")  # §4.1: a typed pickup code that opens nothing
# The station's own trust store does not read (PROTOCOLS §3): no token verifies, whatever it is.
STORE_REASONS = ("trust_store_unreadable",)
REASONS = VERIFY_REASONS + RELEASE_REASONS + STORE_REASONS


@dataclass(frozen=True)
class TokenClaims:
    """What a pickup token says: which document, at which station, when, under which id."""

    station: str  # aud
    doc: str
    iat: int
    exp: int
    cti: bytes
    pin: bool = False
    kid: str = ""  # hex id of the issuer key that signed it (set by `verify`)

    @property
    def cti_hex(self) -> str:
        """The token id as the spool records it."""
        return self.cti.hex()

    def to_cbor(self) -> bytes:
        """The claims map, in the order §4 lists it (-2 only when a PIN is asked)."""
        claims: dict[int, Any] = {AUD: self.station, EXP: self.exp, IAT: self.iat, CTI: self.cti,
                                  DOC: self.doc}
        if self.pin:
            claims[PIN] = True
        return cbor2.dumps(claims)


class TokenRefused(StationError):
    """A pickup token is refused; `reason` is the §4 machine word.

    `claims` is set when the signature was good (the claims are authentic,
    only unacceptable), None otherwise.
    """

    def __init__(self, reason: str, message: str, claims: TokenClaims | None = None) -> None:
        if reason not in REASONS:
            raise ValueError(f"not a token refusal reason: {reason!r}")
        super().__init__(f"{reason}: {message}", exit_code=1)
        self.reason = reason
        self.claims = claims


# --- issuing ------------------------------------------------------------------

def sign(claims: TokenClaims, key: Ed25519PrivateKey) -> str:
    """The QR text of `claims` signed by `key` (its kid comes from the key)."""
    kid = bytes.fromhex(kid_of(public_raw(key)))
    return cose.qr_text(PREFIX, cose.sign1_encode(claims.to_cbor(), key, kid, EXTERNAL_AAD))


def issue(key: Ed25519PrivateKey, station: str, doc: str, *, ttl_seconds: int = DEFAULT_TTL_SECONDS,
          pin: bool = False, now: int | None = None, cti: bytes | None = None) -> str:
    """A fresh pickup token for document `doc` at `station`, valid `ttl_seconds` from `now`."""
    iat = int(time.time()) if now is None else now
    cti = os.urandom(CTI_LENGTH) if cti is None else cti
    if not isinstance(station, str) or not station or not isinstance(doc, str) or not doc:
        raise StationError("a token needs a station id and a document id")
    if type(ttl_seconds) is not int or ttl_seconds <= 0:
        raise StationError(f"token lifetime must be a positive number of seconds, got {ttl_seconds!r}")
    if type(iat) is not int or not 0 <= iat <= UINT_MAX - ttl_seconds:
        raise StationError(f"issue time out of range: {iat!r}")
    if len(cti) != CTI_LENGTH:
        raise StationError(f"a token id is {CTI_LENGTH} bytes")
    text = sign(TokenClaims(station=station, doc=doc, iat=iat, exp=iat + ttl_seconds, cti=cti,
                            pin=pin), key)
    if len(text) > MAX_TEXT_LENGTH:
        raise StationError(f"the token would be {len(text)} characters, over {MAX_TEXT_LENGTH}:"
                           " use shorter station and document ids")
    return text


def qr_code(text: str) -> segno.QRCode:
    """The QR symbol a phone shows: alphanumeric mode, error correction M, never boosted."""
    return segno.make_qr(text, error="m", mode="alphanumeric", boost_error=False)


def write_qr_png(text: str, path: Path, *, scale: int = 4) -> None:
    """Write the token's QR as a PNG (atomically), with the standard 4-module quiet zone."""
    out = io.BytesIO()
    qr_code(text).save(out, kind="png", scale=scale, border=4)
    write_atomic(Path(path), out.getvalue())


# --- verifying ----------------------------------------------------------------

class TokenPolicy(TypedDict):
    """The station's token policy, as keyword arguments of `verify`."""

    skew_seconds: int
    max_lifetime_seconds: int


def release_policy(release: ReleaseSection) -> TokenPolicy:
    """The policy a station's `[release]` settings give: `verify(..., **release_policy(cfg.release))`."""
    return TokenPolicy(skew_seconds=release.clock_skew_seconds,
                       max_lifetime_seconds=int(release.max_token_lifetime_days * 86400))


def verify(text: str, trust: TrustStore, station: str, *, now: float | None = None,
           skew_seconds: int = DEFAULT_SKEW_SECONDS,
           max_lifetime_seconds: int = DEFAULT_MAX_LIFETIME_SECONDS) -> TokenClaims:
    """The claims of a token that passes every §4 check short of the spool; `TokenRefused` otherwise."""
    now = time.time() if now is None else now
    if not math.isfinite(now):
        raise ValueError(f"now must be a finite time, got {now!r}")
    try:
        message = cose.from_qr_text(PREFIX, text, MAX_TEXT_LENGTH)
        sign1 = cose.sign1_decode(message)
        claims_map = cose.strict_loads(sign1.payload)  # strict CBOR before any key is looked up
    except cose.Malformed as err:
        raise TokenRefused("malformed", str(err)) from None
    kid = sign1.kid.hex()
    try:
        keys = trust.check_signature(kid, PURPOSE, sign1.to_be_signed(EXTERNAL_AAD), sign1.signature)
    except TrustError as err:
        raise TokenRefused(err.reason, str(err)) from None
    claims = read_claims(claims_map, kid)
    if claims.station != station:
        raise TokenRefused("wrong_station", f"token is for station {claims.station!r}, this is"
                                            f" {station!r}", claims)
    if now < claims.iat - skew_seconds:
        raise TokenRefused("not_yet_valid", f"token issued at {claims.iat}, after now ({int(now)})"
                                            f" by more than {skew_seconds} s", claims)
    if now >= claims.exp + skew_seconds:
        raise TokenRefused("expired", f"token expired at {claims.exp} (now {int(now)})", claims)
    lifetime = claims.exp - claims.iat
    if not 0 < lifetime <= max_lifetime_seconds:
        raise TokenRefused("lifetime", f"token lifetime {lifetime} s is outside the policy"
                                       f" (1 to {max_lifetime_seconds} s)", claims)
    if not any(_window_allows(key, claims.iat, now) for key in keys):
        raise TokenRefused("key_window", f"issuer key {kid} may not sign at {claims.iat}"
                                         f" or verify at {int(now)}", claims)
    return claims


def read_claims(claims: Any, kid: str = "") -> TokenClaims:
    """Check the claims map's types exactly (bool is not int, int is not bool); `malformed` otherwise."""
    if not isinstance(claims, Mapping):
        raise TokenRefused("malformed", "claims must be a map")
    if any(type(k) is not int for k in claims):
        raise TokenRefused("malformed", "claim keys must be integers")
    unknown = set(claims) - KNOWN_CLAIMS
    if unknown:
        # MPP1 is a closed format: a new claim comes with a new prefix.
        raise TokenRefused("malformed", f"unknown claims {sorted(unknown)}")
    missing = [k for k in REQUIRED_CLAIMS if k not in claims]
    if missing:
        raise TokenRefused("malformed", f"claims {missing} are missing")
    aud, exp, iat, cti, doc = (claims[k] for k in REQUIRED_CLAIMS)
    pin = claims.get(PIN, False)
    if type(aud) is not str or type(doc) is not str:
        raise TokenRefused("malformed", "aud (3) and document id (-1) must be text")
    for name, value in (("exp (4)", exp), ("iat (6)", iat)):
        if type(value) is not int or not 0 <= value <= UINT_MAX:
            raise TokenRefused("malformed", f"{name} must be an unsigned integer")
    if type(cti) is not bytes or len(cti) != CTI_LENGTH:
        raise TokenRefused("malformed", f"cti (7) must be {CTI_LENGTH} bytes")
    if type(pin) is not bool:
        raise TokenRefused("malformed", "the PIN flag (-2) must be true or false")
    return TokenClaims(station=aud, doc=doc, iat=iat, exp=exp, cti=cti, pin=pin, kid=kid)


def _window_allows(key: TrustedKey, iat: int, now: float) -> bool:
    """The key's window (§3) allows signing at `iat` and verifying at `now`."""
    try:
        signed_at = datetime.fromtimestamp(iat, UTC)
        checked_at = datetime.fromtimestamp(now, UTC)
    except (OverflowError, OSError, ValueError):
        return False  # a moment no key window can contain
    return key.window_allows(signed_at, checked_at)


# --- what the citizen reads ---------------------------------------------------

_CITIZEN_MESSAGES: dict[str, tuple[str, str]] = {
    # reason: (Indonesian, English)
    "malformed": ("Kode QR tidak dapat dibaca. Tampilkan kembali kode QR pengambilan Anda dan pindai lagi.",
                  "The QR code could not be read. Show your pickup QR code again and scan it once more."),
    "unknown_key": ("Kode QR ini tidak dikenali. Silakan minta bantuan petugas.",
                    "This QR code is not recognised. Please ask a staff member for help."),
    "revoked_key": ("Kode QR ini sudah tidak berlaku. Silakan minta kode baru dari petugas.",
                    "This QR code is no longer valid. Please ask a staff member for a new one."),
    "bad_signature": ("Kode QR ini tidak sah. Silakan minta bantuan petugas.",
                      "This QR code is not genuine. Please ask a staff member for help."),
    "key_window": ("Kode QR ini sudah tidak berlaku. Silakan minta kode baru dari petugas.",
                   "This QR code is no longer valid. Please ask a staff member for a new one."),
    "wrong_station": ("Dokumen Anda tidak dapat diambil di mesin ini. Periksa lokasi pengambilan pada pesan"
                      " yang Anda terima.",
                      "Your document is not collected at this machine. Check the pickup place in your"
                      " message."),
    "expired": ("Kode QR ini sudah kedaluwarsa. Silakan minta kode baru dari petugas.",
                "This QR code has expired. Please ask a staff member for a new one."),
    "not_yet_valid": ("Kode QR ini belum berlaku. Silakan coba lagi nanti atau minta bantuan petugas.",
                      "This QR code is not valid yet. Please try again later or ask a staff member."),
    "lifetime": ("Kode QR ini tidak sah. Silakan minta kode baru dari petugas.",
                 "This QR code is not valid. Please ask a staff member for a new one."),
    "unknown_document": ("Dokumen Anda tidak ada di mesin ini. Silakan minta bantuan petugas.",
                         "Your document is not in this machine. Please ask a staff member for help."),
    "not_staged": ("Dokumen Anda belum siap diambil. Silakan coba lagi nanti atau minta bantuan petugas.",
                   "Your document is not ready for pickup yet. Please try again later or ask a staff"
                   " member."),
    "already_used": ("Kode QR ini sudah dipakai. Jika dokumen belum Anda terima, silakan minta bantuan"
                     " petugas.",
                     "This QR code has already been used. If you did not get your document, please ask"
                     " a staff member."),
    "pin_required": ("Masukkan PIN yang Anda terima untuk mengambil dokumen ini.",
                     "Enter the PIN you received to collect this document."),
    "trust_store_unreadable": ("Mesin belum dapat memeriksa kode QR. Silakan minta bantuan petugas.",
                               "The machine cannot check QR codes right now. Please ask a staff member."),
    "pin_locked": ("PIN atau kode yang dimasukkan salah terlalu banyak. Petugas dapat menyerahkan dokumen"
                   " setelah memeriksa KTP Anda.",
                   "The PIN or code was wrong too many times. A staff member can hand the document over"
                   " after checking your ID card (KTP)."),
    "bad_code": ("Kode pengambilan salah. Periksa 12 angka pada pesan Anda, lalu ketik lagi.",
                 "The pickup code is wrong. Check the 12 digits in your message, then type it again."),
}
LANGUAGES = ("id", "en")


def citizen_message(reason: str, language: str = "id") -> str:
    """A plain sentence for the kiosk screen saying what to do next ("id" Indonesian, "en" English)."""
    pair = _CITIZEN_MESSAGES.get(reason, _CITIZEN_MESSAGES["malformed"])
    return pair[1] if language == "en" else pair[0]


def citizen_messages(reason: str) -> dict[str, str]:
    """Both sentences, as a kiosk event's `message` carries them: {"id": ..., "en": ...}."""
    return {language: citizen_message(reason, language) for language in LANGUAGES}
