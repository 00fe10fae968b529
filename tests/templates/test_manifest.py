"""A manifest is declarative and checked: every mistake is named before anything is signed."""

from __future__ import annotations

from pathlib import Path

import pytest
from templates_support import PROBE_MANIFEST, TEMPLATES, make_probe_bundle, run

from station.trust import store as trust
from station.templates import InvalidTemplate, parse_manifest


def test_the_shipped_manifests_parse() -> None:
    for name in ("akta-kelahiran", "kartu-keluarga", "nib"):
        manifest = parse_manifest((TEMPLATES / name / "template.toml").read_bytes())
        assert manifest.id == name


@pytest.mark.parametrize(("change", "words"), [
    (("title = \"Probe\"", "title = \"Probe\"\nscript = \"rm -rf /\""), "script"),           # unknown key
    (("font = \"bold\"", "font = \"heavy\""), "no font 'heavy'"),
    (("field = \"nama\"", "field = \"name\""), "unknown field 'name'"),
    (("Catatan: {catatan}.", "Catatan: {komentar}."), "{komentar}"),
    (("fields = [\"nama\"]", "fields = [\"catatan\"]"), "must be a required field"),
    (("table = \"baris\"", "table = \"kolom\""), "not in [[tables]]"),
    (("id = \"probe\"", "id = \"Probe Template\""), "id"),
    (("size = \"A5\"", "size = \"B9\""), "page.size"),
    (("x = 12\ny = 12", "x = 12\ny = 12\nexpression = \"1+1\""), "expression"),
])
def test_mistakes_are_named(change: tuple[str, str], words: str) -> None:
    old, new = change
    assert old in PROBE_MANIFEST
    with pytest.raises(InvalidTemplate) as caught:
        parse_manifest(PROBE_MANIFEST.replace(old, new, 1).encode())
    assert words in str(caught.value)


def test_not_toml_is_named() -> None:
    with pytest.raises(InvalidTemplate, match="not valid TOML"):
        parse_manifest(b"id = ")
    with pytest.raises(InvalidTemplate, match="not UTF-8"):
        parse_manifest(b"\xff\xfe")


def test_sign_refuses_a_template_that_cannot_render(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = trust.new_private_key()
    pem = tmp_path / "t.pem"
    trust.save_private_key(key, pem)
    folder = make_probe_bundle(tmp_path / "probe", key)
    (folder / "SIGNATURE.json").unlink()
    # A box reaching outside the page's margins.
    manifest = PROBE_MANIFEST.replace("width = 124\nheight = 30", "width = 300\nheight = 30", 1)
    (folder / "template.toml").write_text(manifest)
    code, _, err = run(capsys, "template", "sign", str(folder), "--key", str(pem))
    assert code == 1 and "not signed" in err and "margins" in err
    assert not (folder / "SIGNATURE.json").exists()
    # A font file that is not a font.
    (folder / "template.toml").write_text(PROBE_MANIFEST)
    (folder / "fonts" / "DejaVuSerif.ttf").write_bytes(b"not a font at all" * 10)
    code, _, err = run(capsys, "template", "sign", str(folder), "--key", str(pem))
    assert code == 1 and "not a TrueType font" in err
    # Static text the font cannot draw.
    (folder / "fonts" / "DejaVuSerif.ttf").write_bytes((TEMPLATES / "akta-kelahiran" / "fonts" /
                                                        "DejaVuSerif.ttf").read_bytes())
    (folder / "template.toml").write_text(PROBE_MANIFEST.replace("Catatan: {catatan}.", "注意: {catatan}."))
    code, _, err = run(capsys, "template", "sign", str(folder), "--key", str(pem))
    assert code == 1 and "U+6CE8" in err
    # Fixed, it signs; the signature lists every file.
    (folder / "template.toml").write_text(PROBE_MANIFEST)
    code, out, err = run(capsys, "template", "sign", str(folder), "--key", str(pem))
    assert code == 0, err
    assert "signed probe@1: 3 files" in out
