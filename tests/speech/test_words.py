"""(issue 24) What the kiosk says: the door's place in words, each screen in both languages, nothing personal."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from spool.rfc3339 import format_time
from station.speech import compose
from station.speech.place import Cabinet, Geometry, door_place
from station.speech.words import PAGE_SCREENS

ONE = Geometry((Cabinet(1, 16),), columns=4, side="right")
TWO = Geometry((Cabinet(1, 16), Cabinet(2, 8)), columns=4, side="left")
NOW = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)


def test_the_door_is_placed_in_words_a_blind_person_can_use() -> None:
    assert door_place(10, 1, ONE) == {
        "id": "pintu nomor 10, kolom kedua dari kiri, baris ketiga dari atas, di sebelah kanan layar",
        "en": "door number 10, second column from the left, third row from the top, to the right of the screen"}
    two = door_place(5, 2, TWO)
    assert two["id"] == ("pintu nomor 5, kolom pertama dari kiri, baris kedua dari atas, di lemari kedua dari kiri, "
                         "di sebelah kiri layar")
    assert "in the second cabinet from the left, to the left of the screen" in two["en"]


@given(door=st.integers(1, 48), columns=st.integers(1, 12))
def test_every_door_has_one_column_and_row(door: int, columns: int) -> None:
    words = door_place(door, 1, Geometry((Cabinet(1, 48),), columns=columns))
    col, row = (door - 1) % columns + 1, (door - 1) // columns + 1
    assert f"nomor {door}," in words["id"] and f"door number {door}," in words["en"]
    assert words["id"].count("kolom") == 1 and words["en"].count("row from the top") == 1
    assert (col <= 10) == ("ke-" not in words["id"].split("kolom")[1].split(",")[0]) or col > 10
    assert row >= 1


def test_each_screen_is_said_in_indonesian_then_english() -> None:
    for screen in ("idle", "checking", "pin", "opening", "open", "printing", "presented", "thanks", "refused",
                   "ask_staff", "locked_out", "problem_reported", "out_of_service"):
        said = compose.for_view({"screen": screen, "door": 5, "board": 1}, ONE, now=NOW)
        assert [lang for lang, _ in said] == ["id", "en"] and all(text for _, text in said), screen
    for screen in PAGE_SCREENS:
        assert [lang for lang, _ in compose.for_page(screen, seconds=10, volume=5)] == ["id", "en"]


def test_countdowns_and_progress_are_spoken_from_the_view() -> None:
    later = format_time(NOW + timedelta(seconds=42))
    locked = dict(compose.for_view({"screen": "locked_out", "until": later}, ONE, now=NOW))
    assert "Coba lagi dalam 42 detik" in locked["id"] and "Try again in 42 seconds" in locked["en"]
    printing = dict(compose.for_view({"screen": "printing", "progress": {"page": 2, "pages": 3, "eta_s": 7.2}},
                                     ONE, now=NOW))
    assert "Halaman 2 dari 3. Sekitar 8 detik lagi." in printing["id"] and "Page 2 of 3" in printing["en"]
    presented = dict(compose.for_view({"screen": "presented", "retain_at": later}, ONE, tray_below=False, now=NOW))
    assert "baki di samping layar" in presented["id"] and "within 42 seconds" in presented["en"]
    wrong = dict(compose.for_view({"screen": "pin", "job": {"wrong": True, "attempts_left": 2}}, ONE, now=NOW))
    assert wrong["id"].startswith("PIN salah. Sisa percobaan: 2.") and "No PIN?" in wrong["en"]


names = st.sampled_from(["Siti Nurhaliza", "S*** N********", "Budi Santoso"])
numbers = st.sampled_from(["3171234567890123", "482913", "1234-5678-9012", "1234 5678 9012"])


@given(name=names, number=numbers, screen=st.sampled_from(["opening", "open", "thanks", "pin", "printing",
                                                           "presented", "refused", "idle"]),
       noise=st.text(alphabet=st.characters(codec="ascii", categories=["L", "Zs"]), max_size=20))
def test_nothing_personal_is_ever_said(name: str, number: str, screen: str, noise: str) -> None:
    """Job data (a name, masked or not) is never read; a message that carried a long number anyway loses it."""
    view = {"screen": screen, "door": 3, "board": 1,
            "job": {"masked_name": name, "nik": number, "name": name, "attempts_left": 3, "wrong": True},
            "message": {"id": f"Kode {number} {noise}", "en": f"Code {number} {noise}"}}
    for _, text in compose.for_view(view, ONE, now=NOW):
        assert name not in text
        assert not re.search(r"\d(?:[\s-]?\d){3,}", text), text
