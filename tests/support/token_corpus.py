"""An independent corpus of pickup tokens, built from PROTOCOLS.md §3-4 alone.

Nothing here imports the station. It has its own CBOR writer (so that it can
write the non-canonical forms a lenient decoder would accept), its own Base45
encoder and its own trust-store JSON; only Ed25519 comes from `cryptography`.
Each case says which verdict a §4 verifier must reach, and why.

    python tests/tokens/token_corpus.py DIR    # writes DIR/trust.json and DIR/cases.jsonl

A case tagged "argument" must be given as the TOKEN argument, not on
standard input (which strips one trailing newline).
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import json
import random
import struct
import sys
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

STATION = "MPP-DEMO-01"
PREFIX = "MPP1:"
AAD = b"MPP1/release"
DAY = 86400
SKEW = 120


def epoch(text: str) -> int:
    """Seconds since the epoch of `YYYY-MM-DDTHH:MM:SSZ`."""
    return calendar.timegm((int(text[0:4]), int(text[5:7]), int(text[8:10]),
                            int(text[11:13]), int(text[14:16]), int(text[17:19]), 0, 0, 0))


NOW = epoch("2026-06-01T00:00:00Z")
CTI = bytes(range(1, 13))
DOC = "AKTA-2026-000123"


# --- a CBOR writer that can also write what strict CBOR forbids ---------------

class Raw(bytes):
    """Bytes that are already CBOR: written as they are."""


@dataclass(frozen=True)
class Tag:
    """A CBOR tag around a value."""

    number: int
    value: Any


def head(major: int, value: int, width: int | None = None) -> bytes:
    """An item head; `width` None is the shortest form, else 0 (inline), 1, 2, 4 or 8 bytes."""
    if width is None:
        width = 0 if value < 24 else 1 if value < 2**8 else 2 if value < 2**16 else 4 if value < 2**32 else 8
    if width == 0:
        return bytes([major << 5 | value])
    info = {1: 24, 2: 25, 4: 26, 8: 27}[width]
    return bytes([major << 5 | info]) + value.to_bytes(width, "big")


def enc(value: Any) -> bytes:
    """The shortest, definite-length CBOR of a value (dicts keep their order)."""
    if isinstance(value, Raw):
        return bytes(value)
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if value is None:
        return b"\xf6"
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        data = value.encode("utf-8")
        return head(3, len(data)) + data
    if isinstance(value, list | tuple):
        return head(4, len(value)) + b"".join(enc(v) for v in value)
    if isinstance(value, dict):
        return cmap(value.items())
    if isinstance(value, Tag):
        return head(6, value.number) + enc(value.value)
    raise TypeError(type(value))


def cmap(pairs: Iterable[tuple[Any, Any]]) -> bytes:
    """A map from pairs, in that order, duplicates allowed."""
    pairs = list(pairs)
    return head(5, len(pairs)) + b"".join(enc(k) + enc(v) for k, v in pairs)


def indefinite(major: int, parts: Iterable[bytes]) -> bytes:
    """An indefinite-length item (major 2, 3, 4 or 5) of already-encoded parts."""
    return bytes([major << 5 | 31]) + b"".join(parts) + b"\xff"


# --- Base45 (RFC 9285) ----------------------------------------------------------

B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def b45(data: bytes) -> str:
    """Base45 of bytes."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [B45[n % 45], B45[n // 45 % 45], B45[n // 2025]]
    if len(data) % 2:
        out += [B45[data[-1] % 45], B45[data[-1] // 45]]
    return "".join(out)


# --- keys and the trust store ---------------------------------------------------

@dataclass
class Key:
    """An Ed25519 key pair with its §3 id and trust-store entry (None: not in the store)."""

    name: str
    private: Ed25519PrivateKey
    entry: dict[str, Any] | None

    @property
    def raw(self) -> bytes:
        return self.private.public_key().public_bytes(serialization.Encoding.Raw,
                                                      serialization.PublicFormat.Raw)

    @property
    def kid(self) -> bytes:
        return hashlib.sha256(self.raw).digest()[:8]

    def pem(self) -> bytes:
        return self.private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption())


def make_key(name: str, purpose: str | None = "issuer", sign_from: str = "2026-01-01T00:00:00Z",
             sign_until: str = "2027-03-01T00:00:00Z", verify_until: str = "2027-06-01T00:00:00Z",
             status: str = "active") -> Key:
    """A reproducible key (seeded by its name) and, unless `purpose` is None, its store entry."""
    private = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(b"corpus key " + name.encode()).digest())
    key = Key(name, private, None)
    if purpose is not None:
        key.entry = {"kid": key.kid.hex(), "purpose": purpose,
                     "public_key": base64.b64encode(key.raw).decode(),
                     "sign_from": sign_from, "sign_until": sign_until, "verify_until": verify_until,
                     "status": status}
    return key


KEYS = {
    "A": make_key("active issuer"),
    "R": make_key("revoked issuer", status="revoked"),
    "S": make_key("station key", purpose="station"),
    "T": make_key("template key", purpose="template"),
    "U": make_key("unknown issuer", purpose=None),
    "L": make_key("late issuer", sign_from="2026-07-01T00:00:00Z"),          # may sign only after NOW
    "O": make_key("retired issuer", sign_from="2025-01-01T00:00:00Z",
                  sign_until="2026-03-01T00:00:00Z"),                         # stopped signing before NOW
    "V": make_key("unverifiable issuer", sign_until="2026-12-31T00:00:00Z",
                  verify_until="2026-05-31T00:00:00Z"),                       # verification ended before NOW
}


def trust_store() -> dict[str, Any]:
    """The §3 trust store of the corpus station."""
    return {"version": 3, "keys": [k.entry for k in KEYS.values() if k.entry is not None]}


# --- building tokens --------------------------------------------------------------

def claim_pairs(*, aud: Any = STATION, exp: Any = None, iat: Any = None, cti: Any = CTI, doc: Any = DOC,
                pin: Any = None, drop: Iterable[int] = (), extra: Iterable[tuple[Any, Any]] = ()
                ) -> list[tuple[Any, Any]]:
    """The §4 claims as ordered pairs; `drop` leaves keys out, `extra` appends pairs."""
    iat = NOW - 3600 if iat is None else iat
    exp = iat + 7 * DAY if exp is None else exp
    pairs = [(3, aud), (4, exp), (6, iat), (7, cti), (-1, doc)]
    if pin is not None:
        pairs.append((-2, pin))
    return [(k, v) for k, v in pairs if k not in set(drop)] + list(extra)


def claims(**kw: Any) -> bytes:
    """The encoded claims map."""
    return cmap(claim_pairs(**kw))


def protected_for(key: Key) -> bytes:
    """The §4 protected header {1: -8, 4: kid}."""
    return cmap([(1, -8), (4, key.kid)])


def to_be_signed(protected: bytes, payload: bytes, aad: bytes = AAD, context: str = "Signature1") -> bytes:
    """The COSE Sig_structure."""
    return enc([context, protected, aad, payload])


def message(payload: bytes, key: Key, *, signer: Key | None = None, protected: bytes | None = None,
            unprotected: bytes = b"\xa0", aad: bytes = AAD, context: str = "Signature1",
            signature: bytes | None = None, outer: Callable[[list[bytes]], bytes] | None = None) -> bytes:
    """COSE_Sign1_Tagged, signed by `signer` (default `key`) under `key`'s kid."""
    protected = protected_for(key) if protected is None else protected
    if signature is None:
        signature = (signer or key).private.sign(to_be_signed(protected, payload, aad, context))
    parts = [enc(protected), unprotected, enc(payload), enc(signature)]
    return outer(parts) if outer else b"\xd2" + head(4, 4) + b"".join(parts)


def text_of(cose: bytes) -> str:
    """The QR text."""
    return PREFIX + b45(cose)


def token(key: str = "A", **kw: Any) -> str:
    """A token text signed by key `key` over the standard claims changed by `kw`."""
    return text_of(message(claims(**kw), KEYS[key]))


# --- the cases --------------------------------------------------------------------

@dataclass
class Case:
    """One token and the verdict §4 demands of a verifier at `station`, at time `now`."""

    name: str
    text: str
    reason: str | None  # None: valid
    now: int = NOW
    station: str = STATION
    doc: str | None = None  # for valid cases: the document id the verifier reports
    exp: int | None = None
    cli: bool = False  # in the representative subset run through the CLI as a separate process
    why: str = ""
    tags: list[str] = field(default_factory=list)  # "argument": not through standard input


def _valid_cases() -> list[Case]:
    exp = NOW - 3600 + 7 * DAY
    cases = [
        Case("valid", token(), None, doc=DOC, exp=exp, cli=True),
        Case("valid_pin", token(pin=True), None, doc=DOC, exp=exp, cli=True),
        Case("valid_pin_false", token(pin=False), None, doc=DOC, exp=exp),
        Case("valid_unicode_doc", token(doc="KK-Ω-01"), None, doc="KK-Ω-01", exp=exp),
        Case("valid_iat_at_skew_edge", token(iat=NOW + SKEW, exp=NOW + DAY), None, doc=DOC, exp=NOW + DAY,
             why="iat - skew <= now"),
        Case("valid_exp_inside_skew", token(iat=NOW - DAY, exp=NOW - SKEW + 1), None, doc=DOC,
             exp=NOW - SKEW + 1, why="now < exp + skew"),
        Case("valid_lifetime_30_days", token(iat=NOW - DAY, exp=NOW - DAY + 30 * DAY), None, doc=DOC,
             exp=NOW + 29 * DAY),
        Case("valid_iat_at_sign_from", token(iat=epoch("2026-01-01T00:00:00Z"),
                                             exp=epoch("2026-01-01T00:00:00Z") + 30 * DAY), None,
             now=epoch("2026-01-02T00:00:00Z"), doc=DOC, exp=epoch("2026-01-31T00:00:00Z"),
             why="the signing window is inclusive"),
        Case("valid_400_characters", _sized_token(400), None, doc=_sized_doc(400), exp=exp, cli=True,
             why="length at most 400"),
    ]
    return cases


def _sized_doc(length: int) -> str:
    """A document id that makes a token's text exactly `length` characters."""
    for size in range(1, 300):
        if len(token(doc="D" * size)) == length:
            return "D" * size
    raise ValueError(f"no token of {length} characters")


def _sized_token(length: int) -> str:
    """A valid token whose text is exactly `length` characters (the document id pads it)."""
    return token(doc=_sized_doc(length))


def _prefix_cases() -> list[Case]:
    body = token()[len(PREFIX):]
    return [
        Case("prefix_missing", body, "malformed", cli=True),
        Case("prefix_lower_case", "mpp1:" + body, "malformed"),
        Case("prefix_without_colon", "MPP1" + body, "malformed"),
        Case("prefix_other_version", "MPP2:" + body, "malformed"),
        Case("prefix_of_the_seal", "MPS1:" + body, "malformed"),
        Case("prefix_of_eu_dcc", "HC1:" + body, "malformed"),
        Case("leading_space", " " + token(), "malformed"),
        Case("trailing_space", token() + " ", "malformed"),
        Case("trailing_newline_in_argument", token() + "\n", "malformed", tags=["argument"],
             why="standard input strips one newline; an argument is taken as it is"),
        Case("oversize_401", _sized_token(401), "malformed", cli=True, why="a good signature, 401 characters"),
        Case("oversize_huge", PREFIX + "A" * 100_000, "malformed"),
        Case("base45_lower_case", PREFIX + body.lower(), "malformed", cli=True),
        Case("base45_bad_character", PREFIX + body[:30] + "#" + body[31:], "malformed"),
        Case("base45_bad_length", token() + "A", "malformed", why="3n+1 characters"),
        Case("base45_triple_over_65535", PREFIX + "GGW" + body[3:], "malformed", why="GGW = 65536"),
        Case("base45_pair_over_255", PREFIX + body + "Z6", "malformed", why="a final pair above 255"),
        Case("base45_unicode", PREFIX + "ÄÖÜ" + body[3:], "malformed"),
        Case("empty", "", "malformed"),
        Case("prefix_only", PREFIX, "malformed"),
    ]


def _garbage_cases() -> list[Case]:
    rng = random.Random(20260601)
    cases = [
        Case("garbage_words", "hello world", "malformed", cli=True),
        Case("garbage_url", "https://example.org/?t=MPP1:ABC", "malformed"),
        Case("garbage_not_cbor", text_of(b"not cbor at all"), "malformed"),
        Case("garbage_cbor_int", text_of(enc(5)), "malformed"),
        Case("garbage_cbor_map", text_of(enc({1: 2})), "malformed"),
        Case("garbage_break_byte", text_of(b"\xff"), "malformed"),
        Case("garbage_truncated_token", token()[:120], "malformed"),
        Case("garbage_truncated_cose", text_of(message(claims(), KEYS["A"])[:-1]), "malformed"),
        Case("garbage_emoji", "MPP1:🙂🙂", "malformed"),
        Case("garbage_control_chars", "MPP1:\x1b[2J\x07", "malformed"),
    ]
    for i in range(6):
        cases.append(Case(f"garbage_random_{i}", text_of(rng.randbytes(rng.randrange(1, 200))), "malformed"))
    return cases


def _outer(tag: bytes = b"\xd2", count: bytes = b"\x84") -> Callable[[list[bytes]], bytes]:
    return lambda parts: tag + count + b"".join(parts)


def _cbor_cases() -> list[Case]:
    a = KEYS["A"]
    good = message(claims(), a)
    payload = claims()
    prot = protected_for(a)
    sig = a.private.sign(to_be_signed(prot, payload))

    def signed(protected: bytes = prot, body: bytes = payload, **kw: Any) -> str:
        return text_of(message(body, a, protected=protected, **kw))

    def raw_parts(p: bytes, u: bytes, pl: bytes, s: bytes, tag: bytes = b"\xd2", count: bytes = b"\x84") -> str:
        return text_of(tag + count + p + u + pl + s)

    exp, iat = NOW - 3600 + 7 * DAY, NOW - 3600
    pairs = claim_pairs()
    return [
        Case("trailing_zero_byte", text_of(good + b"\x00"), "malformed", cli=True),
        Case("trailing_break_byte", text_of(good + b"\xff"), "malformed"),
        Case("two_tokens_concatenated", text_of(good + good), "malformed"),
        Case("trailing_bytes_in_payload", signed(body=payload + b"\x00"), "malformed",
             why="signed: only strict CBOR catches it"),
        Case("trailing_bytes_in_header", signed(protected=prot + b"\x00"), "malformed"),
        Case("outer_indefinite_array", text_of(b"\xd2\x9f" + good[2:] + b"\xff"), "malformed"),
        Case("outer_tag_long_form", text_of(b"\xd8\x12" + good[1:]), "malformed"),
        Case("outer_count_long_form", text_of(b"\xd2\x98\x04" + good[2:]), "malformed"),
        Case("protected_length_long_form", raw_parts(b"\x58" + bytes([len(prot)]) + prot, b"\xa0",
                                                     enc(payload), enc(sig)), "malformed"),
        Case("payload_length_long_form", raw_parts(enc(prot), b"\xa0", head(2, len(payload), 2) + payload,
                                                   enc(sig)), "malformed"),
        Case("payload_indefinite_bytes", raw_parts(enc(prot), b"\xa0",
                                                   indefinite(2, [enc(payload[:10]), enc(payload[10:])]),
                                                   enc(sig)), "malformed"),
        Case("signature_length_long_form", raw_parts(enc(prot), b"\xa0", enc(payload),
                                                     head(2, 64, 2) + sig), "malformed"),
        Case("unprotected_count_long_form", raw_parts(enc(prot), b"\xb8\x00", enc(payload), enc(sig)),
             "malformed"),
        Case("unprotected_indefinite_map", raw_parts(enc(prot), b"\xbf\xff", enc(payload), enc(sig)),
             "malformed"),
        Case("header_indefinite_map", signed(protected=indefinite(5, [enc(1), enc(-8), enc(4), enc(a.kid)])),
             "malformed"),
        Case("header_alg_long_form", signed(protected=b"\xa2\x01\x38\x07\x04" + enc(a.kid)), "malformed"),
        Case("header_kid_length_long_form", signed(protected=b"\xa2\x01\x27\x04\x58\x08" + a.kid),
             "malformed"),
        Case("header_key_long_form", signed(protected=b"\xa2\x18\x01\x27\x04" + enc(a.kid)), "malformed"),
        Case("header_duplicate_alg", signed(protected=cmap([(1, -8), (1, -8), (4, a.kid)])), "malformed",
             cli=True),
        Case("header_duplicate_kid", signed(protected=cmap([(1, -8), (4, a.kid), (4, a.kid)])), "malformed"),
        Case("claims_indefinite_map", signed(body=indefinite(5, [enc(k) + enc(v) for k, v in claim_pairs()])),
             "malformed"),
        Case("claims_exp_long_form", signed(body=cmap([(3, STATION), (4, Raw(head(0, exp, 8))), (6, iat),
                                                       (7, CTI), (-1, DOC)])), "malformed", cli=True),
        Case("claims_iat_long_form", signed(body=cmap([(3, STATION), (4, exp), (6, Raw(head(0, iat, 8))),
                                                       (7, CTI), (-1, DOC)])), "malformed"),
        Case("claims_key_long_form", signed(body=cmap([(Raw(b"\x18\x03"), STATION), (4, exp), (6, iat),
                                                       (7, CTI), (-1, DOC)])), "malformed"),
        Case("claims_negative_key_long_form", signed(body=cmap([(3, STATION), (4, exp), (6, iat), (7, CTI),
                                                                (Raw(b"\x38\x00"), DOC)])), "malformed"),
        Case("claims_text_length_long_form", signed(body=cmap([(3, Raw(b"\x78" + bytes([len(STATION)])
                                                                       + STATION.encode())),
                                                               (4, exp), (6, iat), (7, CTI), (-1, DOC)])),
             "malformed"),
        Case("claims_indefinite_text", signed(body=cmap([(3, Raw(indefinite(3, [enc("MPP-D"), enc("EMO-01")]))),
                                                         (4, exp), (6, iat), (7, CTI), (-1, DOC)])),
             "malformed"),
        Case("claims_indefinite_cti", signed(body=cmap([(3, STATION), (4, exp), (6, iat),
                                                        (7, Raw(indefinite(2, [enc(CTI[:6]), enc(CTI[6:])]))),
                                                        (-1, DOC)])), "malformed"),
        Case("claims_duplicate_aud_last_is_ours", signed(body=cmap(claim_pairs(aud="MPP-OTHER-02")
                                                                   + [(3, STATION)])), "malformed", cli=True),
        Case("claims_duplicate_aud_first_is_ours", signed(body=cmap(claim_pairs() + [(3, "MPP-OTHER-02")])),
             "malformed"),
        Case("claims_duplicate_doc", signed(body=cmap(claim_pairs() + [(-1, "AKTA-OTHER")])), "malformed"),
        Case("claims_duplicate_exp", signed(body=cmap(claim_pairs() + [(4, exp + 365 * DAY)])), "malformed"),
        Case("claims_two_byte_simple_true", signed(body=head(5, 6) + b"".join(enc(k) + enc(v) for k, v in pairs)
                                                   + enc(-2) + b"\xf8\x15"), "malformed",
             why="true written as simple value 21 in two bytes"),
        Case("unknown_key_with_noncanonical_claims",
             text_of(message(cmap([(3, STATION), (4, Raw(head(0, exp, 8))), (6, iat), (7, CTI), (-1, DOC)]),
                             KEYS["U"])), "malformed", why="strict CBOR comes before the key"),
    ]


def _shape_cases() -> list[Case]:
    a = KEYS["A"]
    payload = claims()
    prot = protected_for(a)
    sig = a.private.sign(to_be_signed(prot, payload))

    def with_header(protected: bytes, unprotected: bytes = b"\xa0") -> str:
        return text_of(message(payload, a, protected=protected, unprotected=unprotected))

    return [
        Case("untagged_array", text_of(enc([prot, {}, payload, sig])), "malformed"),
        Case("tag_17_mac0", text_of(enc(Tag(17, [prot, {}, payload, sig]))), "malformed"),
        Case("tag_98_sign", text_of(enc(Tag(98, [prot, {}, payload, sig]))), "malformed"),
        Case("cwt_tag_61_around_18", text_of(enc(Tag(61, Tag(18, [prot, {}, payload, sig])))), "malformed"),
        Case("tag_18_three_elements", text_of(enc(Tag(18, [prot, {}, payload]))), "malformed"),
        Case("tag_18_five_elements", text_of(enc(Tag(18, [prot, {}, payload, sig, b""]))), "malformed"),
        Case("tag_18_map", text_of(enc(Tag(18, {1: prot}))), "malformed"),
        Case("protected_as_map", text_of(enc(Tag(18, [Raw(prot), {}, payload, sig]))), "malformed"),
        Case("payload_as_map", text_of(enc(Tag(18, [prot, {}, Raw(payload), sig]))), "malformed"),
        Case("payload_as_text", text_of(enc(Tag(18, [prot, {}, payload.decode("latin-1"), sig]))),
             "malformed"),
        Case("payload_nil_detached", text_of(enc(Tag(18, [prot, {}, None, sig]))), "malformed"),
        Case("signature_63_bytes", text_of(enc(Tag(18, [prot, {}, payload, sig[:63]]))), "malformed"),
        Case("signature_65_bytes", text_of(enc(Tag(18, [prot, {}, payload, sig + b"\x00"]))), "malformed"),
        Case("signature_empty_alg_none", text_of(enc(Tag(18, [prot, {}, payload, b""]))), "malformed"),
        Case("signature_as_text", text_of(enc(Tag(18, [prot, {}, payload, "x" * 64]))), "malformed"),
        Case("unprotected_as_array", text_of(enc(Tag(18, [prot, [], payload, sig]))), "malformed"),
        Case("unprotected_nil", text_of(enc(Tag(18, [prot, None, payload, sig]))), "malformed"),
        # algorithm confusion: every header signed with the right key, so only the header rule refuses it
        Case("alg_in_unprotected_only", with_header(cmap([(4, a.kid)]), cmap([(1, -8)])), "malformed",
             cli=True),
        Case("alg_in_both_headers", with_header(prot, cmap([(1, -8)])), "malformed"),
        Case("kid_in_unprotected", with_header(cmap([(1, -8)]), cmap([(4, a.kid)])), "malformed"),
        Case("everything_unprotected", with_header(b"", cmap([(1, -8), (4, a.kid)])), "malformed"),
        Case("protected_empty_map", with_header(enc({}), cmap([(1, -8), (4, a.kid)])), "malformed"),
        Case("alg_es256", with_header(cmap([(1, -7), (4, a.kid)])), "malformed"),
        Case("alg_zero", with_header(cmap([(1, 0), (4, a.kid)])), "malformed"),
        Case("alg_hs256", with_header(cmap([(1, 5), (4, a.kid)])), "malformed"),
        Case("alg_as_text_eddsa", with_header(cmap([(1, "EdDSA"), (4, a.kid)])), "malformed", cli=True),
        Case("alg_as_text_minus_8", with_header(cmap([(1, "-8"), (4, a.kid)])), "malformed"),
        Case("alg_as_float", with_header(cmap([(1, -8.0), (4, a.kid)])), "malformed"),
        Case("alg_as_bytes", with_header(cmap([(1, b"\x27"), (4, a.kid)])), "malformed"),
        Case("alg_missing", with_header(cmap([(4, a.kid)])), "malformed"),
        Case("alg_key_as_true", with_header(cmap([(True, -8), (4, a.kid)])), "malformed",
             why="true is not the label 1"),
        Case("alg_key_as_float", with_header(cmap([(1.0, -8), (4, a.kid)])), "malformed"),
        Case("alg_key_as_text", with_header(cmap([("alg", -8), (4, a.kid)])), "malformed"),
        Case("header_extra_content_type", with_header(cmap([(1, -8), (4, a.kid), (3, 0)])), "malformed"),
        Case("header_crit", with_header(cmap([(1, -8), (2, [4]), (4, a.kid)])), "malformed"),
        Case("header_as_array", with_header(enc([1, -8, 4, a.kid])), "malformed"),
        Case("kid_7_bytes", with_header(cmap([(1, -8), (4, a.kid[:7])])), "malformed"),
        Case("kid_9_bytes", with_header(cmap([(1, -8), (4, a.kid + b"\x00")])), "malformed"),
        Case("kid_as_hex_text", with_header(cmap([(1, -8), (4, a.kid.hex())])), "malformed"),
    ]


def _key_cases() -> list[Case]:
    a, r, u = KEYS["A"], KEYS["R"], KEYS["U"]
    payload = claims()
    good = message(payload, a)

    def tampered(**kw: Any) -> str:
        """A's signature on the standard claims, carried over to changed claims."""
        prot = protected_for(a)
        sig = a.private.sign(to_be_signed(prot, payload))
        return text_of(message(claims(**kw), a, signature=sig))

    flipped = bytearray(good)
    flipped[-1] ^= 0x01
    return [
        Case("forged_with_unknown_key_under_known_kid", text_of(message(payload, a, signer=u)),
             "bad_signature", cli=True),
        Case("tampered_doc", tampered(doc="AKTA-2026-000124"), "bad_signature", cli=True),
        Case("tampered_exp", tampered(exp=NOW + 29 * DAY), "bad_signature"),
        Case("tampered_aud", tampered(aud="MPP-OTHER-02"), "bad_signature"),
        Case("tampered_cti", tampered(cti=bytes(12)), "bad_signature"),
        Case("tampered_pin_removed", text_of(message(payload, a, signature=a.private.sign(
            to_be_signed(protected_for(a), claims(pin=True))))), "bad_signature"),
        Case("signature_bit_flipped", text_of(bytes(flipped)), "bad_signature"),
        Case("signature_zeros", text_of(message(payload, a, signature=bytes(64))), "bad_signature"),
        Case("signed_for_the_seal_aad", text_of(message(payload, a, aad=b"MPS1/seal")), "bad_signature"),
        Case("signed_without_aad", text_of(message(payload, a, aad=b"")), "bad_signature"),
        Case("signed_with_aad_newline", text_of(message(payload, a, aad=AAD + b"\n")), "bad_signature"),
        Case("signed_as_cose_sign", text_of(message(payload, a, context="Signature")), "bad_signature"),
        Case("signed_payload_only", text_of(message(payload, a, signature=a.private.sign(payload))),
             "bad_signature"),
        Case("unknown_key", token("U"), "unknown_key", cli=True),
        Case("station_key_as_issuer", token("S"), "unknown_key", cli=True, why="a key only for its purpose"),
        Case("template_key_as_issuer", token("T"), "unknown_key"),
        Case("kid_of_station_key_signed_by_issuer", text_of(message(payload, KEYS["S"], signer=a)),
             "unknown_key"),
        Case("revoked_key", token("R"), "revoked_key", cli=True),
        Case("revoked_key_bad_signature", text_of(message(payload, r, signer=u)), "revoked_key",
             why="revoked keys verify nothing"),
        Case("revoked_kid_signed_by_active_key", text_of(message(payload, r, signer=a)), "revoked_key"),
    ]


def _claim_cases() -> list[Case]:
    def signed(body: bytes) -> str:
        return text_of(message(body, KEYS["A"]))

    pairs = claim_pairs()
    big = Tag(2, (2**64).to_bytes(9, "big"))
    cases = [Case(f"missing_claim_{k}", token(drop=[k]), "malformed", cli=k == 7) for k in (3, 4, 6, 7, -1)]
    cases += [
        Case("claims_empty_map", signed(enc({})), "malformed"),
        Case("claims_as_array", signed(enc([v for _, v in pairs])), "malformed"),
        Case("claims_as_int", signed(enc(5)), "malformed"),
        Case("claims_as_bytes", signed(enc(cmap(pairs))), "malformed", why="double-wrapped payload"),
        Case("claims_with_text_keys", signed(cmap([("aud", STATION), ("exp", NOW + DAY), ("iat", NOW),
                                                    ("cti", CTI), ("doc", DOC)])), "malformed"),
        Case("aud_as_bytes", token(aud=STATION.encode()), "malformed"),
        Case("aud_as_int", token(aud=1), "malformed"),
        Case("aud_as_array", token(aud=[STATION]), "malformed"),
        Case("exp_as_text", token(exp=str(NOW + DAY)), "malformed"),
        Case("exp_negative", token(exp=-1), "malformed"),
        Case("exp_as_float", token(exp=float(NOW + DAY)), "malformed"),
        Case("exp_as_true", token(exp=True), "malformed", why="bool is not int"),
        Case("exp_as_bignum", token(exp=big), "malformed", why="uint is at most 64 bits"),
        Case("exp_as_null", token(exp=Raw(b"\xf6")), "malformed"),
        Case("exp_as_datetime_tag", token(exp=Tag(1, NOW + DAY)), "malformed"),
        Case("iat_as_false", token(iat=False, exp=NOW + DAY), "malformed", why="bool is not int"),
        Case("iat_as_text", token(iat="2026-06-01T00:00:00Z", exp=NOW + DAY), "malformed"),
        Case("cti_as_text", token(cti=CTI.hex()), "malformed"),
        Case("cti_11_bytes", token(cti=CTI[:11]), "malformed"),
        Case("cti_13_bytes", token(cti=CTI + b"\x00"), "malformed"),
        Case("cti_as_int", token(cti=12345), "malformed"),
        Case("doc_as_int", token(doc=123), "malformed"),
        Case("doc_as_bytes", token(doc=DOC.encode()), "malformed"),
        Case("pin_as_int_1", token(pin=1), "malformed", cli=True, why="int is not bool"),
        Case("pin_as_int_0", token(pin=0), "malformed"),
        Case("pin_as_text", token(pin="true"), "malformed"),
        Case("pin_as_null", token(pin=None, extra=[(-2, None)]), "malformed"),
    ]
    return cases


def _binding_and_time_cases() -> list[Case]:
    return [
        Case("wrong_station", token(aud="MPP-OTHER-02"), "wrong_station", cli=True),
        Case("wrong_station_case", token(aud=STATION.lower()), "wrong_station"),
        Case("wrong_station_trailing_space", token(aud=STATION + " "), "wrong_station"),
        Case("wrong_station_empty", token(aud=""), "wrong_station"),
        Case("verified_at_another_station", token(), "wrong_station", station="MPP-OTHER-02"),
        Case("expired", token(iat=NOW - 8 * DAY, exp=NOW - DAY), "expired", cli=True),
        Case("expired_at_skew_edge", token(iat=NOW - DAY, exp=NOW - SKEW), "expired", why="now < exp + skew"),
        Case("expired_long_ago", token(iat=epoch("2026-01-02T00:00:00Z"), exp=epoch("2026-01-09T00:00:00Z")),
             "expired"),
        Case("issued_in_the_future", token(iat=NOW + DAY, exp=NOW + 2 * DAY), "not_yet_valid", cli=True),
        Case("issued_just_past_skew", token(iat=NOW + SKEW + 1, exp=NOW + DAY), "not_yet_valid"),
        Case("lifetime_over_30_days", token(iat=NOW - DAY, exp=NOW - DAY + 30 * DAY + 1), "lifetime",
             cli=True),
        Case("lifetime_one_year", token(iat=NOW - DAY, exp=NOW + 364 * DAY), "lifetime"),
        Case("lifetime_max_uint", token(iat=NOW - DAY, exp=2**64 - 1), "lifetime"),
        Case("key_not_yet_signing", token("L", iat=NOW - 3600), "key_window", cli=True),
        Case("key_retired_before_iat", token("O", iat=NOW - 3600), "key_window"),
        Case("key_verification_ended", token("V", iat=NOW - 3600), "key_window"),
    ]


def _order_cases() -> list[Case]:
    """Tokens failing two checks: the first in §4's order names the refusal."""
    return [
        Case("order_unknown_key_before_missing_claims", token("U", drop=[3]), "unknown_key"),
        Case("order_unknown_key_before_wrong_station", token("U", aud="X"), "unknown_key"),
        Case("order_revoked_before_expired", token("R", iat=NOW - 8 * DAY, exp=NOW - DAY), "revoked_key"),
        Case("order_bad_signature_before_wrong_station",
             text_of(message(claims(aud="X"), KEYS["A"], signer=KEYS["U"])), "bad_signature"),
        Case("order_types_before_station", token(aud="X", exp="soon"), "malformed"),
        Case("order_station_before_expired", token(aud="X", iat=NOW - 8 * DAY, exp=NOW - DAY),
             "wrong_station"),
        Case("order_station_before_not_yet_valid", token(aud="X", iat=NOW + DAY, exp=NOW + 2 * DAY),
             "wrong_station"),
        Case("order_expired_before_lifetime", token(iat=NOW - 90 * DAY, exp=NOW - DAY), "expired"),
        Case("order_not_yet_valid_before_lifetime", token(iat=NOW + DAY, exp=NOW + 90 * DAY),
             "not_yet_valid"),
        Case("order_expired_before_key_window", token("L", iat=NOW - 8 * DAY, exp=NOW - DAY), "expired"),
        Case("order_lifetime_before_key_window", token("O", iat=NOW - DAY, exp=NOW + 60 * DAY), "lifetime"),
    ]


def cases() -> list[Case]:
    """Every case of the corpus (names are unique)."""
    found = (_valid_cases() + _prefix_cases() + _garbage_cases() + _cbor_cases() + _shape_cases()
             + _key_cases() + _claim_cases() + _binding_and_time_cases() + _order_cases())
    names = [c.name for c in found]
    assert len(names) == len(set(names)), "corpus case names must be unique"
    return found


def write(folder: Path) -> None:
    """Write the trust store, the issuer's private key and the cases (JSON lines) to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "trust.json").write_text(json.dumps(trust_store(), indent=2) + "\n")
    pem = folder / "issuer.pem"
    pem.write_bytes(KEYS["A"].pem())
    pem.chmod(0o600)
    with (folder / "cases.jsonl").open("w") as out:
        for case in cases():
            out.write(json.dumps(asdict(case), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tests/tokens/token_corpus.py DIR")
    write(Path(sys.argv[1]))
    print(f"{len(cases())} cases written to {sys.argv[1]}")
