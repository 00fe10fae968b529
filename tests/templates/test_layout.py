"""The overflow rule: shrink down to the minimum size, then wrap, then refuse."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from templates_support import NOW, STATION_ID, TEMPLATES

from station.trust import store as trust
from station.templates import FieldError, Template, render_document
from station.templates.fonts import Font
from station.templates.layout import Frame, Overflow, fit_box, fit_paragraph, wrap

FONT = Font.parse((TEMPLATES / "akta-kelahiran" / "fonts" / "DejaVuSerif.ttf").read_bytes())


def test_a_short_value_keeps_its_size() -> None:
    size, lines = fit_box("Ayu", FONT, Frame(0, 100, 100, 20), size=12, min_size=8)
    assert size == 12 and [line.text for line in lines] == ["Ayu"]


def test_a_longer_value_shrinks_first() -> None:
    text = "Putri Ayu Kusumawardhani Ma'ruf"
    width = FONT.width(text, 10)
    size, lines = fit_box(text, FONT, Frame(0, 100, width, 20), size=12, min_size=8)
    assert 9.9 <= size < 12 and len(lines) == 1


def test_then_it_wraps_at_the_minimum_size() -> None:
    text = "Putri Ayu Kusumawardhani Ma'ruf Hidayatullah binti Abdul"
    width = FONT.width(text, 8) / 1.8
    size, lines = fit_box(text, FONT, Frame(0, 100, width, 40), size=12, min_size=8)
    assert size == 8 and len(lines) == 2
    assert " ".join(line.text for line in lines) == text


def test_then_it_is_refused() -> None:
    text = "Putri Ayu Kusumawardhani Ma'ruf Hidayatullah binti Abdul " * 3
    with pytest.raises(Overflow):
        fit_box(text, FONT, Frame(0, 100, 60, 12), size=12, min_size=8)
    with pytest.raises(Overflow):
        fit_box("Putri Ayu Kusumawardhani", FONT, Frame(0, 100, 30, 40), size=12, min_size=10, wrap_lines=False)


def test_a_word_longer_than_the_line_breaks_between_characters() -> None:
    lines = wrap("A" * 40, FONT, 10, 50)
    assert len(lines) > 1 and "".join(lines) == "A" * 40
    assert all(FONT.width(line, 10) <= 50 for line in lines)


def test_alignment_and_justification() -> None:
    frame = Frame(10, 100, 100, 50)
    _, (line,) = fit_box("Ayu", FONT, frame, size=10, min_size=10, align="right")
    assert line.x + FONT.width("Ayu", 10) == pytest.approx(110)
    _, lines = fit_paragraph("kata " * 40, FONT, Frame(10, 400, 200, 300), size=10, min_size=10,
                             align="justify")
    assert all(line.gap > 0 for line in lines[:-1]) and lines[-1].gap == 0


def test_a_paragraph_shrinks_half_a_point_at_a_time() -> None:
    text = "kata " * 90
    size, lines = fit_paragraph(text, FONT, Frame(0, 400, 300, 100), size=12, min_size=6)
    assert size < 12 and (12 - size) % 0.5 == 0
    assert (size + 0.5) * 1.3 * (len(wrap(text, FONT, size + 0.5, 300)) - 1) + size + 0.5 > 100
    with pytest.raises(Overflow):
        fit_paragraph(text * 10, FONT, Frame(0, 400, 300, 100), size=12, min_size=6)


def test_an_overlong_value_is_refused_naming_its_field(compiled: Callable[[str], Template]) -> None:
    nib = compiled("nib")
    data = json.loads((TEMPLATES / "examples" / "nib.json").read_text(encoding="utf-8"))
    data["kegiatan.1.judul"] = "WWWWWW MMMMMM " * 6  # within max_length 90, too wide for its cell
    with pytest.raises(FieldError) as caught:
        render_document(nib, data, document_id="D", station_id=STATION_ID, station_key=trust.new_private_key(),
                        now=NOW)
    assert (caught.value.field, caught.value.reason) == ("kegiatan.1.judul", "overflow")
