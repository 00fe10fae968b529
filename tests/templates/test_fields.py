"""Field values are text, never markup: each refusal names the field and gives a reason word."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from templates_support import TEMPLATES

from station.templates import FieldError, Template


@pytest.fixture
def akta(compiled: Callable[[str], Template]) -> Template:
    return compiled("akta-kelahiran")


def example() -> dict[str, str]:
    return json.loads((TEMPLATES / "examples" / "akta-kelahiran.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("value", "reason"), [
    ("Ayu\u202eDewi", "bidi_control"),          # RIGHT-TO-LEFT OVERRIDE
    ("Ayu\u2066Dewi\u2069", "bidi_control"),    # LEFT-TO-RIGHT ISOLATE
    ("Ayu\u200fDewi", "bidi_control"),          # RIGHT-TO-LEFT MARK
    ("Ayu\nDewi", "control_character"),
    ("Ayu\tDewi", "control_character"),
    ("Ayu\x00", "control_character"),
    ("Ayu\u200bDewi", "format_character"),      # ZERO WIDTH SPACE
    ("Ayu\u00adDewi", "format_character"),      # SOFT HYPHEN
    ("Ayu\u2028Dewi", "line_break"),
    ("\ue000", "private_use"),
    ("\U000e0001", "format_character"),         # LANGUAGE TAG
    ("\u0378", "unassigned"),
    ("\ud800", "surrogate"),
    ("שלום", "right_to_left"),
    ("مرحبا", "right_to_left"),
    ("q\u0301", "combining_mark"),               # no precomposed q-acute
    ("漢字", "not_in_font"),
    ("<b>Ayu</b>", None),                        # markup is just text: drawn as typed
    ("Ayu & Dewi", None),
    ("A\u0301yu", None),                         # NFC makes it Áyu
    (42, "not_text"),
    (None, "missing"),
    ("   ", "missing"),
    ("A" * 81, "too_long"),
])
def test_each_value_is_judged_by_name(akta: Template, value: object, reason: str | None) -> None:
    data = {**example(), "nama": value}
    if reason is None:
        values = akta.rules.check(data)
        assert "nama" in values
        return
    with pytest.raises(FieldError) as caught:
        akta.rules.check(data)
    assert caught.value.field == "nama"
    assert caught.value.reason == reason
    assert str(caught.value).startswith("field 'nama': ")


def test_values_are_drawn_in_nfc(akta: Template) -> None:
    values = akta.rules.check({**example(), "nama": "Rene\u0301e"})
    assert values["nama"] == "Ren\u00e9e"


def test_digits_fields(akta: Template) -> None:
    for value, reason in (("317504610824000", "too_short"), ("31750461082400O3", "not_digits"),
                          ("３１７５０４６１０８２４０００３", "not_digits")):
        with pytest.raises(FieldError) as caught:
            akta.rules.check({**example(), "nik": value})
        assert (caught.value.field, caught.value.reason) == ("nik", reason)


def test_unknown_and_missing_fields_are_named(akta: Template) -> None:
    with pytest.raises(FieldError) as caught:
        akta.rules.check({**example(), "golongan_darah": "O"})
    assert (caught.value.field, caught.value.reason) == ("golongan_darah", "unknown_field")
    data = example()
    del data["nama_ayah"]
    with pytest.raises(FieldError) as caught:
        akta.rules.check(data)
    assert (caught.value.field, caught.value.reason) == ("nama_ayah", "missing")
    with pytest.raises(FieldError) as caught:
        akta.rules.check(["not", "an", "object"])
    assert caught.value.reason == "not_object"


def test_table_rows(compiled: Callable[[str], Template]) -> None:
    kk = compiled("kartu-keluarga")
    data = json.loads((TEMPLATES / "examples" / "kartu-keluarga.json").read_text(encoding="utf-8"))
    values = kk.rules.check(data)
    assert kk.rules.row_count(values, "anggota") == 5
    gap = {k: v for k, v in data.items() if not k.startswith("anggota.3.")}
    with pytest.raises(FieldError) as caught:
        kk.rules.check(gap)
    assert (caught.value.field, caught.value.reason) == ("anggota.3", "row_gap")
    with pytest.raises(FieldError) as caught:
        kk.rules.check({**data, "anggota.11.nama": "Sebelas"})
    assert (caught.value.field, caught.value.reason) == ("anggota.11.nama", "too_many_rows")
    with pytest.raises(FieldError) as caught:
        kk.rules.check({**data, "anggota.2.hobi": "Catur"})
    assert (caught.value.field, caught.value.reason) == ("anggota.2.hobi", "unknown_field")
    with pytest.raises(FieldError) as caught:
        kk.rules.check({k: v for k, v in data.items() if k != "anggota.4.nik"})
    assert (caught.value.field, caught.value.reason) == ("anggota.4.nik", "missing")
    with pytest.raises(FieldError) as caught:
        kk.rules.check({k: v for k, v in data.items() if not k.startswith("anggota.")})
    assert caught.value.field == "anggota.1"
    # An optional column may be absent (blood type of the baby).
    assert "anggota.4.golongan_darah" not in values
