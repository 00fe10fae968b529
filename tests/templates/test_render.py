"""Rendered documents open in poppler, show their values, embed their fonts, and carry a seal that verifies."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import cbor2
import pytest
from pypdf import PdfReader
from templates_support import NOW, STATION_ID, TEMPLATE_IDS, Lab, pdffonts, pdftotext, run

from station.trust import cose
from station.trust import store as trust
from station.trust.seal import SEAL_AAD, SEAL_PREFIX, SealError, verify_seal
from station.templates import Template, render_document
from station.templates.readback import page_image, seal_texts


def squash(text: str) -> str:
    """Text without any whitespace, for comparing what poppler extracts with what was drawn."""
    return re.sub(r"\s+", "", text)


@pytest.mark.parametrize("name", TEMPLATE_IDS)
def test_render_writes_a_pdf_poppler_reads(lab: Lab, capsys: pytest.CaptureFixture[str], name: str) -> None:
    out = lab.root / f"{name}.pdf"
    data = lab.example(name)
    code, stdout, err = run(capsys, *lab.render_args(lab.bundle(name), lab.write_data(data), out,
                                                     "--document-id", "DOC-2026-000042"))
    assert code == 0, err
    assert f"rendered DOC-2026-000042 ({name}@1, 1 page)" in stdout

    raw = pdftotext(out)
    text = squash(raw)
    for key, value in data.items():
        # A value wrapped over lines may be interleaved with its neighbours: then each word must be there.
        assert squash(value) in text or all(word in raw for word in value.split()), \
            f"{key}={value!r} not in the extracted text"

    fonts = pdffonts(out)
    assert fonts, "no fonts listed"
    for row in fonts:
        emb = row[-5]  # name type encoding emb sub uni object ID: emb is fifth from the end
        assert emb == "yes", f"font not embedded: {row}"
    assert any("CID" in " ".join(row) for row in fonts)  # the per-document subsets

    reader = PdfReader(out)
    assert len(reader.pages) == 1
    meta = reader.metadata
    assert meta["/DocumentId"] == "DOC-2026-000042"
    assert meta["/TemplateId"] == name
    assert meta["/TemplateVersion"] == "1"
    assert meta["/StationId"] == STATION_ID
    assert meta.title
    assert meta.creation_date is not None

    code, stdout, err = run(capsys, "seal", "verify", "--pdf", str(out), "--trust", str(lab.trust_path),
                            "--data", str(lab.root / "data.json"))
    assert code == 0, err
    seal = json.loads(stdout)
    assert seal["valid"] is True
    assert seal["document"] == "DOC-2026-000042"
    assert seal["template"] == f"{name}@1"
    assert seal["station"] == STATION_ID
    assert all(value == data[key] for key, value in seal["fields"].items())


def test_seal_text_with_one_field_changed_fails(lab: Lab, capsys: pytest.CaptureFixture[str],
                                                compiled: Callable[[str], Template]) -> None:
    data = lab.example()
    rendered = render_document(compiled("akta-kelahiran"), data, document_id="DOC-1", station_id=STATION_ID,
                               station_key=lab.station_key, now=NOW)
    code, stdout, _ = run(capsys, "seal", "verify", rendered.seal, "--trust", str(lab.trust_path))
    assert code == 0
    assert json.loads(stdout)["fields"]["nama"] == data["nama"]
    done = subprocess.run([str(Path(sys.executable).with_name("station")), "seal", "verify",
                           "-", "--trust", str(lab.trust_path)], input=rendered.seal + "\n", capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["document"] == "DOC-1"

    message = cose.sign1_decode(cose.from_qr_text(SEAL_PREFIX, rendered.seal, max_length=2000))
    claims = cbor2.loads(message.payload)
    claims[-4]["nama"] = "Putri Ayu Kusumawardhana"  # one letter of one sealed field
    forged_payload = cbor2.dumps(claims)
    forged = cose.qr_text(SEAL_PREFIX, cbor2.dumps(cbor2.CBORTag(18, [message.protected, {}, forged_payload,
                                                                        message.signature])))
    code, stdout, err = run(capsys, "seal", "verify", forged, "--trust", str(lab.trust_path))
    assert code == 1
    assert stdout == ""
    assert "seal refused: bad_signature" in err

    # The document id, the station, the time: every claim is covered.
    for key, value in ((-1, "DOC-2"), (1, "MPP-OTHER-01"), (6, claims[6] + 1), (-3, "akta-kelahiran@2")):
        changed = dict(cbor2.loads(message.payload))
        changed[key] = value
        text = cose.qr_text(SEAL_PREFIX, cbor2.dumps(cbor2.CBORTag(18, [message.protected, {}, cbor2.dumps(changed),
                                                                          message.signature])))
        with pytest.raises(SealError) as caught:
            verify_seal(text, lab.store, now=NOW)
        assert caught.value.reason == "bad_signature"


def test_seal_refusals_name_their_reason(lab: Lab, compiled: Callable[[str], Template]) -> None:
    data = lab.example()
    rendered = render_document(compiled("akta-kelahiran"), data, document_id="DOC-1", station_id=STATION_ID,
                               station_key=lab.station_key, now=NOW)
    assert verify_seal(rendered.seal, lab.store, now=NOW).claims.document == "DOC-1"
    with pytest.raises(SealError) as caught:
        verify_seal(rendered.seal, lab.store.with_revoked(verify_seal(rendered.seal, lab.store, now=NOW).kid), now=NOW)
    assert caught.value.reason == "revoked_key"
    with pytest.raises(SealError) as caught:
        verify_seal(rendered.seal, lab.store, now=NOW, data={**data, "nama": "Someone Else"})
    assert caught.value.reason == "data_mismatch"
    for text in ("", "MPS1:", "MPP1:" + rendered.seal[5:], rendered.seal + "A", rendered.seal.lower()):
        with pytest.raises(SealError) as caught:
            verify_seal(text, lab.store, now=NOW)
        assert caught.value.reason == "malformed"
    stranger = trust.new_private_key()
    other = render_document(compiled("akta-kelahiran"), data, document_id="DOC-1", station_id=STATION_ID,
                            station_key=stranger, now=NOW)
    with pytest.raises(SealError) as caught:
        verify_seal(other.seal, lab.store, now=NOW)
    assert caught.value.reason == "unknown_key"


def test_the_seal_is_signed_over_the_protocol_bytes(lab: Lab, compiled: Callable[[str], Template]) -> None:
    data = lab.example()
    rendered = render_document(compiled("akta-kelahiran"), data, document_id="DOC-1", station_id=STATION_ID,
                               station_key=lab.station_key, now=NOW)
    message = cose.sign1_decode(cose.from_qr_text(SEAL_PREFIX, rendered.seal, max_length=2000))
    lab.station_key.public_key().verify(message.signature, message.to_be_signed(b"MPS1/seal"))
    assert SEAL_AAD == b"MPS1/seal"
    claims = cose.strict_loads(message.payload)
    assert set(claims) == {1, 6, -1, -3, -4, -5}
    assert claims[6] == int(NOW.timestamp())
    assert claims[-4] == {"nomor_akta": data["nomor_akta"], "nama": data["nama"],
                          "tanggal_lahir": data["tanggal_lahir"]}


def test_the_seal_reads_back_from_every_template(lab: Lab, compiled: Callable[[str], Template]) -> None:
    """Rasterised at 150 dpi, as `seal verify --pdf` does, with long names in the sealed fields."""
    for name in TEMPLATE_IDS:
        data = lab.example(name)
        template = compiled(name)
        for field in template.manifest.seal.fields:
            spec = next(f for f in template.manifest.fields if f.name == field)
            if spec.kind == "text":
                data[field] = ("Ni Luh Putu Ayu Kusumawardhani Ma'ruf Çelik " * 3)[:spec.max_length].strip()
        rendered = render_document(template, data, document_id="DOC-2026-0000000042", station_id=STATION_ID,
                                   station_key=lab.station_key, now=NOW)
        pdf = lab.root / f"{name}.pdf"
        pdf.write_bytes(rendered.pdf)
        assert seal_texts(page_image(pdf)) == [rendered.seal], name


def test_rendering_is_deterministic_for_the_same_inputs(lab: Lab, compiled: Callable[[str], Template]) -> None:
    data = lab.example("kartu-keluarga")
    first, second = (render_document(compiled("kartu-keluarga"), data, document_id="D", station_id=STATION_ID,
                                     station_key=lab.station_key, now=NOW) for _ in range(2))
    assert first.pdf == second.pdf
    assert first.pages == 1
    assert len(first.sha256) == 64


def test_metadata_strings_are_escaped(lab: Lab, compiled: Callable[[str], Template]) -> None:
    document_id = "DOC (1) \\ é ✓"
    rendered = render_document(compiled("nib"), lab.example("nib"), document_id=document_id,
                               station_id=STATION_ID, station_key=lab.station_key, now=NOW)
    assert PdfReader(io.BytesIO(rendered.pdf)).metadata["/DocumentId"] == document_id
    assert verify_seal(rendered.seal, lab.store, now=NOW).claims.document == document_id


def test_pages_rasterise_without_poppler_complaints(lab: Lab, compiled: Callable[[str], Template]) -> None:
    for name in TEMPLATE_IDS:
        rendered = render_document(compiled(name), lab.example(name), document_id="D", station_id=STATION_ID,
                                   station_key=lab.station_key, now=NOW)
        done = subprocess.run(["pdftoppm", "-r", "30", "-png", "-", str(lab.root / name)], input=rendered.pdf,
                              capture_output=True, timeout=60, check=False)
        assert done.returncode == 0
        assert done.stderr == b"", done.stderr


def test_render_refuses_bad_data_and_writes_nothing(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    out = lab.root / "out" / "doc.pdf"
    out.parent.mkdir()
    bundle = lab.bundle()
    cases = {
        "nama": "Putri\u202eAyu",            # a bidirectional override
        "nama_ayah": "Ma'ruf\x07",          # a control character
        "nama_ibu": "A" * 81,               # longer than the field allows
        "tempat_lahir": "\u05d0\u05d1",     # right-to-left script
        "nik": "31750461082400O3",          # a letter O among digits
    }
    for field, value in cases.items():
        data = lab.write_data({**lab.example(), field: value})
        code, _, err = run(capsys, *lab.render_args(bundle, data, out))
        assert code == 1, field
        assert f"field '{field}'" in err
        assert "Traceback" not in err
        assert list(out.parent.iterdir()) == []
    missing = lab.example()
    del missing["nama_ibu"]
    code, _, err = run(capsys, *lab.render_args(bundle, lab.write_data(missing), out))
    assert code == 1 and "field 'nama_ibu'" in err and "missing" in err
    code, _, err = run(capsys, *lab.render_args(bundle, lab.write_data({**lab.example(), "agama": "Islam"}), out))
    assert code == 1 and "field 'agama'" in err and "not a field" in err
    assert list(out.parent.iterdir()) == []


def test_render_as_a_separate_process_never_shows_a_traceback(lab: Lab) -> None:
    out = lab.root / "doc.pdf"
    data = lab.write_data({**lab.example(), "nama": "\u202eevil"})
    done = subprocess.run([str(Path(sys.executable).with_name("station")),
                           *lab.render_args(lab.bundle(), data, out)], capture_output=True, text=True, timeout=120,
                          cwd=lab.root, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "field 'nama'" in done.stderr
    assert not out.exists()


def test_images_from_the_bundle_are_drawn(lab: Lab, compiled: Callable[[str], Template]) -> None:
    rendered = render_document(compiled("nib"), lab.example("nib"), document_id="D", station_id=STATION_ID,
                               station_key=lab.station_key, now=NOW)
    pdf = lab.root / "nib.pdf"
    pdf.write_bytes(rendered.pdf)
    listing = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True,
                             timeout=60).stdout.splitlines()[2:]
    sizes = {(int(row.split()[3]), int(row.split()[4])) for row in listing}
    assert (360, 360) in sizes  # the logo PNG of the bundle
    side = next(w for w, h in sizes if w == h and w < 200)  # the seal QR, one pixel per module
    assert side % 4 == 1  # 4 * version + 17 modules, and the quiet zone of 4 on each side: 4v + 25


def test_every_page_carries_the_seal(lab: Lab) -> None:
    from templates_support import PROBE_MANIFEST, make_probe_bundle

    from station.templates import load_template
    from station.templates.readback import read_seal

    second_page = ('\n[[pages]]\n[[pages.texts]]\ntext = "Halaman 2 / Page 2"\nx = 12\ny = 20\nfont = "serif"\n\n'
                   '[[pages.boxes]]\nfield = "catatan"\nx = 12\ny = 30\nwidth = 120\nheight = 20\nfont = "serif"\n\n'
                   '[pages.seal]\nx = 90\ny = 150\nsize = 40\n')
    folder = make_probe_bundle(lab.root / "two-pages", lab.template_key, PROBE_MANIFEST + second_page)
    template = load_template(folder, lab.store, now=NOW)
    rendered = render_document(template, {"nama": "Ayu", "catatan": "Lampiran", "baris.1.isi": "satu"},
                               document_id="D-2", station_id=STATION_ID, station_key=lab.station_key, now=NOW)
    assert rendered.pages == 2
    pdf = lab.root / "two.pdf"
    pdf.write_bytes(rendered.pdf)
    assert len(PdfReader(pdf).pages) == 2
    assert read_seal(pdf, page=1) == read_seal(pdf, page=2) == rendered.seal
    assert "Lampiran" in pdftotext(pdf)
