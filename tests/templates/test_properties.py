"""Property tests: arbitrary Unicode values render (and read back) or are refused naming the field."""

from __future__ import annotations

import dataclasses
import re
import struct
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import assume, event, example, given, settings
from hypothesis import strategies as st
from templates_support import NOW, STATION_ID, make_probe_bundle, pdftotext

from station.trust import store as trust
from station.trust.seal import SealClaims, SealError, encode_seal, verify_seal
from station.templates import FieldError, Template, load_template, render_document
from station.templates.fonts import Font
from station.templates.layout import Frame, Overflow, fit_box

KEY = trust.new_private_key()
STATION_KEY = trust.new_private_key()
STORE = trust.TrustStore(keys=(
    trust.entry_for(KEY, "template", sign_from=datetime(2025, 1, 1, tzinfo=UTC), valid_days=3650),
    trust.entry_for(STATION_KEY, "station", sign_from=datetime(2025, 1, 1, tzinfo=UTC), valid_days=3650,
                    station=STATION_ID)))


def bound_to(station: str) -> trust.TrustStore:
    """STORE with its station key bound to `station` (a seal counts only for its key's station)."""
    return trust.TrustStore(keys=tuple(dataclasses.replace(k, station=station) if k.purpose == "station" else k
                                       for k in STORE.keys))

# Indonesian names and places as they really come: apostrophes, accents, dots, hyphens.
REAL_SHAPES = st.sampled_from([
    "Ni Luh Putu Ayu Dewi", "Muhammad Ma'ruf", "Renée Siti Nurhaliza", "I Gusti Ngurah Rai", "Çelik Öztürk",
    "Dra. Hj. Sri Mulyani, M.Sc.", "17 Agustus 1995", "Jl. Kenanga Raya No. 27, RT 005/RW 011",
    "Kab. Toba Samosir", "Nusa Tenggara Timur", "O'Brien-Siregar", "José María Ñúñez", "Łukasz Żółć",
    "Ðặng Thị Hồng", "Αλέξανδρος", "Юлия Сергеевна", "3175046108240003",
])
LATIN_EXTENDED = st.characters(min_codepoint=0x20, max_codepoint=0x24F)
ANY = st.text(max_size=60)
BEYOND_LATIN = st.characters(min_codepoint=0x250, max_codepoint=0x33FF)  # Greek, Cyrillic, Hebrew, Arabic, CJK...
WIDE = st.text(st.sampled_from("WMQ@Ш "), min_size=20, max_size=40)  # overflows the probe's table cell
VALUES = st.one_of(ANY, st.text(LATIN_EXTENDED, max_size=60), st.text(BEYOND_LATIN, max_size=8), WIDE, REAL_SHAPES,
                   st.lists(REAL_SHAPES, min_size=1, max_size=4).map(" ".join))


_PROBE: list[Template] = []


@pytest.fixture(scope="module", autouse=True)
def _probe_bundle(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Kept out of the tests' arguments: hypothesis would print the whole template on failure.
    folder = make_probe_bundle(tmp_path_factory.mktemp("probe") / "probe", KEY)
    _PROBE[:] = [load_template(folder, STORE, now=NOW)]


def probe() -> Template:
    """The probe template: a box, a paragraph and a table."""
    return _PROBE[0]


def comparable(text: str) -> str:
    """What text extraction may fairly be compared on: NFKC, without whitespace."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def render(template: Template, data: dict[str, str]) -> bytes:
    return render_document(template, data, document_id="PROBE-1", station_id=STATION_ID, station_key=STATION_KEY,
                           now=NOW).pdf


@settings(max_examples=250, deadline=None)
@given(value=VALUES)
@example(value="Putri\u202eAyu")
@example(value="a\u0301b")        # a combining mark with a precomposed form
@example(value="q\u0301")         # one without
@example(value="\u00a0x\u00a0")
@example(value="ﬁﬂ")
def test_any_value_renders_and_reads_back_or_is_refused_by_name(value: str) -> None:
    for field, data in (("nama", {"nama": value, "baris.1.isi": "satu"}),
                        ("catatan", {"nama": "Ayu", "catatan": value, "baris.1.isi": "satu"}),
                        ("baris.1.isi", {"nama": "Ayu", "baris.1.isi": value})):
        try:
            pdf = render(probe(), data)
        except FieldError as err:
            assert err.field == field, (err.field, field, str(err))
            assert f"field '{field}'" in str(err)
            event(f"refused: {err.reason}")
            continue
        event("rendered")
        drawn = unicodedata.normalize("NFC", value)
        assert comparable(drawn) in comparable(pdftotext(pdf, raw=True)), (field, value)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(st.text(max_size=12), st.one_of(st.text(max_size=10), st.integers(), st.none()),
                            max_size=6))
def test_any_data_object_is_checked_without_crashing(data: dict) -> None:  # type: ignore[type-arg]
    try:
        probe().rules.check(data)
    except FieldError as err:
        assert isinstance(err.field, str) and err.reason
        assert f"field {err.field!r}" in str(err)


@settings(max_examples=200, deadline=None)
@given(text=st.text(st.sampled_from("abcdefghij klmnopq.,'ÀÉÎÕÜ"), min_size=1, max_size=200),
       width=st.floats(20, 300), height=st.floats(8, 80), size=st.floats(6, 20), shrink=st.floats(0.3, 1))
def test_fit_box_shrinks_then_wraps_then_refuses(text: str, width: float, height: float, size: float,
                                                 shrink: float) -> None:
    font = _serif()
    assume(text.strip())
    min_size = max(2.0, size * shrink)
    frame = Frame(0, 100, width, height)
    try:
        used, lines = fit_box(text, font, frame, size=size, min_size=min_size)
    except Overflow:
        # Refused only when one line at min_size is too wide and the wrapped lines too tall.
        assert font.width(text.strip(), min_size) > width or min_size * (font.ascent - font.descent) > height
        return
    assert min_size - 1e-9 <= used <= size + 1e-9
    for line in lines:
        assert font.width(line.text, used) <= width + 1e-6
        assert line.y - font.descent * used >= frame.top - frame.height - 1e-6
    if len(lines) > 1:
        assert used == min_size  # wrapping happens only at the minimum size
    if font.width(text.strip(), size) <= width and size * (font.ascent - font.descent) <= height:
        assert used == pytest.approx(size, abs=0.1) and len(lines) == 1


@settings(max_examples=200, deadline=None)
@given(chars=st.sets(st.sampled_from(sorted(_ch for _ch in map(chr, range(0x20, 0x2000)) if ord(_ch) % 3 == 0)),
                     min_size=1, max_size=80))
def test_font_subsets_are_well_formed(chars: set[str]) -> None:
    font = _serif()
    gids = {font.glyph_of[ord(c)] for c in chars if ord(c) in font.glyph_of}
    assume(gids)
    program = font.subset(gids)
    words = struct.unpack(f">{len(program) // 4}L", program)
    assert sum(words) & 0xFFFFFFFF == 0xB1B0AFBA  # the whole-font checksum the format asks for
    count = struct.unpack_from(">H", program, 4)[0]
    tables = {struct.unpack_from(">4s", program, 12 + 16 * i)[0] for i in range(count)}
    assert {b"glyf", b"loca", b"head", b"hhea", b"hmtx", b"maxp"} <= tables


@settings(max_examples=200, deadline=None)
@given(station=st.text(min_size=1, max_size=30), document=st.text(min_size=1, max_size=40),
       fields=st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=3),
       digest=st.binary(min_size=32, max_size=32), iat=st.integers(1_740_000_000, 1_990_000_000))
def test_seals_round_trip_and_any_changed_character_is_refused(station: str, document: str,
                                                               fields: dict[str, str], digest: bytes,
                                                               iat: int) -> None:
    assume(all("\ud800" > c or c > "\udfff" for c in station + document + "".join(fields) + "".join(fields.values())))
    claims = SealClaims(station=station, issued_at=iat, document=document, template="probe@1", fields=fields,
                        data_sha256=digest)
    text = encode_seal(claims, STATION_KEY)
    now = datetime.fromtimestamp(iat + 60, UTC)
    store = bound_to(station)
    try:
        verified = verify_seal(text, store, now=now)
    except SealError as err:
        assert err.reason == "malformed" and len(text) > 1000  # only a seal too long to print is refused
        return
    assert verified.claims == claims
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
    for position in range(5, len(text), max(1, len(text) // 12)):
        replacement = alphabet[(alphabet.index(text[position]) + 1) % len(alphabet)]
        with pytest.raises(SealError):
            verify_seal(text[:position] + replacement + text[position + 1:], store, now=now)


_FONT: list[Font] = []


def _serif() -> Font:
    if not _FONT:
        _FONT.append(Font.parse((Path(__file__).resolve().parents[2] / "templates" / "akta-kelahiran" / "fonts"
                                 / "DejaVuSerif.ttf").read_bytes()))
    return _FONT[0]
