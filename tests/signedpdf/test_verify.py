"""Verification of agency-signed PDFs: each decision with its reason, on PDFs signed here by a CA made here."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import signedpdf_support as pdfs
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.writer import PdfFileWriter

from simulators.backoffice.pki import NOT_FOR_SIGNING, Hierarchy
from station.signedpdf import REASONS, Limits, verify_pdf
from station.signedpdf.cabundle import EMPTY, parse


@pytest.mark.parametrize(("revocation", "subfilter"), [("crl", "pades"), ("ocsp", "pades"), ("crl", "adobe"),
                                                        ("ocsp", "adobe")])
def test_a_good_signed_pdf_is_accepted_with_its_signer_time_and_chain(ca, bundle, revocation, subfilter):
    signer = ca.signer("Kepala Dinas Uji")
    data = pdfs.sign(pdfs.plain(), signer, ca, revocation=revocation, subfilter=subfilter)
    verdict = verify_pdf(data, bundle)
    assert verdict.accepted, verdict
    assert verdict.pages == 1 and verdict.size == len(data)
    assert "Kepala Dinas Uji" in (verdict.signer or "")
    assert [link.subject.split(",")[0] for link in verdict.chain] == [
        "Common Name: Kepala Dinas Uji", "Common Name: Uji Intermediate CA", "Common Name: Uji Root CA"]
    assert verdict.signed_at is not None and abs(verdict.signed_at - ca.now) < timedelta(minutes=10)


def refusal(data: bytes, bundle, **kwargs) -> str | None:
    verdict = verify_pdf(data, bundle, **kwargs)
    assert verdict.reason is None or verdict.reason in REASONS
    return verdict.reason


def test_an_incremental_update_after_signing_is_refused(ca, bundle):
    assert refusal(pdfs.incremental_update_after_signing(pdfs.signed(ca)), bundle) == "pdf_modified"


def test_a_byte_changed_inside_the_signed_range_is_refused(ca, bundle):
    data = pdfs.signed(ca)
    at = data.index(pdfs.TITLE.encode())  # the document's title, in its info dictionary
    forged = data[:at] + b"X" + data[at + 1:]
    assert refusal(forged, bundle) == "pdf_modified"


def test_a_signer_under_an_untrusted_root_is_refused(ca, bundle):
    stranger = Hierarchy("Asing")
    assert refusal(pdfs.signed(stranger), bundle) == "pdf_untrusted_signer"


def test_with_no_ca_bundle_every_signed_pdf_is_untrusted(ca):
    assert refusal(pdfs.signed(ca), EMPTY) == "pdf_untrusted_signer"


@pytest.mark.parametrize("revocation", ["crl", "ocsp"])
def test_a_revoked_signer_is_refused(revocation):
    ca = Hierarchy("Cabut")
    signer = ca.signer("Pejabat Dicabut")
    ca.revoke(signer)
    assert refusal(pdfs.signed(ca, signer, revocation=revocation), parse(ca.root.pem, "t")) == "pdf_signer_revoked"


def test_an_expired_signer_is_refused(ca, bundle):
    signer = ca.signer("Pejabat Lama", not_before=ca.now - timedelta(days=400), not_after=ca.now - timedelta(days=1))
    assert refusal(pdfs.signed(ca, signer), bundle) == "pdf_expired"


def test_a_certificate_not_for_signing_is_refused(ca, bundle):
    assert refusal(pdfs.signed(ca, ca.signer("Server TLS", key_usage=NOT_FOR_SIGNING)), bundle) == "pdf_key_usage"


def test_without_embedded_revocation_data_the_signer_cannot_be_checked_offline(ca, bundle):
    assert refusal(pdfs.signed(ca, revocation="none"), bundle) == "pdf_revocation_unknown"


def test_a_signing_time_in_the_future_is_refused(ca, bundle):
    """The station's clock says the signature is from tomorrow: a bad clock or a forgery, either way a person looks."""
    assert refusal(pdfs.signed(ca), bundle, now=ca.now - timedelta(days=1)) == "pdf_signing_time"


def test_an_unsigned_pdf_is_refused(bundle):
    assert refusal(pdfs.plain(), bundle) == "pdf_unsigned"


@pytest.mark.parametrize("make", [pdfs.with_javascript, pdfs.with_embedded_file], ids=["javascript", "embedded-file"])
def test_hostile_content_is_refused_even_when_properly_signed(ca, bundle, make):
    signed = pdfs.sign(make(pdfs.plain()), ca.signer("Kepala Dinas Uji"), ca)
    assert refusal(signed, bundle) == "pdf_hostile"


def test_encryption_is_refused_signed_or_not(ca, bundle):
    assert refusal(pdfs.encrypted(pdfs.plain()), bundle) == "pdf_hostile"
    assert refusal(pdfs.signed_encrypted(ca), bundle) == "pdf_hostile"


def test_a_hundred_thousand_objects_are_refused_before_parsing(bundle):
    assert refusal(pdfs.many_objects(100_000), bundle) == "pdf_hostile"


def test_javascript_hidden_in_an_object_stream_under_an_escaped_name_is_found(ca, bundle):
    """The raw pass cannot see inside compressed object streams: the parsed pass does."""
    writer = PdfFileWriter(stream_xrefs=True)
    stream = writer.prepare_object_stream()
    action = generic.DictionaryObject({generic.NameObject("/S"): generic.NameObject("/JavaScript"),
                                       generic.NameObject("/JS"): generic.TextStringObject("app.alert(1)")})
    writer.root["/OpenAction"] = writer.add_object(action, obj_stream=stream)
    writer.insert_page(generic.DictionaryObject({generic.NameObject("/Type"): generic.NameObject("/Page"),
                                                 generic.NameObject("/MediaBox"): generic.ArrayObject(
                                                     [generic.NumberObject(n) for n in (0, 0, 595, 842)])}))
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert b"JavaScript" not in data, "the name must be hidden from the raw pass for this test to mean anything"
    assert refusal(data, bundle) == "pdf_hostile"
    escaped = pdfs.plain().replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /Java#53cript >>", 1)
    assert refusal(escaped, bundle) == "pdf_hostile"


def test_size_and_page_limits(ca, bundle):
    data = pdfs.signed(ca)
    assert refusal(data, bundle, limits=Limits(max_bytes=len(data) - 1)) == "pdf_too_large"
    assert refusal(data, bundle, limits=Limits(max_pages=1)) is None
    two_pages = pdfs.sign(_two_pages(), ca.signer("Kepala Dinas Uji"), ca)
    assert refusal(two_pages, bundle, limits=Limits(max_pages=1)) == "pdf_too_large"


def _two_pages() -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, invariant=1)
    for number in (1, 2):
        pdf.drawString(72, 700, f"halaman {number}")
        pdf.showPage()
    pdf.save()
    return out.getvalue()


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.7\n", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF",
                                  b"%PDF-1.4\n" + b"[" * 5000])
def test_malformed_input_gets_a_reason_and_never_a_traceback(bundle, data):
    assert refusal(data, bundle) in ("pdf_malformed", "pdf_hostile")
