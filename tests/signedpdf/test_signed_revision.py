"""Issue 21, point 1: the station prints exactly the bytes it verified, never bytes appended after the signature.

pyHanko looks back about 1 KiB for `%%EOF`: an update appended after the
signed revision without a final `%%EOF` was invisible to it, while poppler
and printers follow the last `startxref` and show the forged text.
"""

from __future__ import annotations

import hashlib
import re
import subprocess

import pytest
import signedpdf_support as pdfs
from hypothesis import given, settings
from hypothesis import strategies as st

from station.signedpdf import verify_pdf
from station.signedpdf.revision import check_tail, signed_end
from station.signedpdf.verdict import PdfRefused


def _signed_length(data: bytes) -> int:
    return len(pdfs.signed_revision(data))


@pytest.mark.parametrize("final_eof", [False, True], ids=["no-final-eof", "final-eof"])
def test_an_update_appended_after_the_signed_revision_is_refused(ca, bundle, final_eof):
    forged = pdfs.appended_update(pdfs.signed(ca), final_eof=final_eof)
    shown = subprocess.run(["pdftotext", "-", "-"], input=forged, capture_output=True, timeout=60, check=True).stdout
    assert b"PALSU" in shown, "the forgery must be what a viewer shows, for this test to mean anything"
    verdict = verify_pdf(forged, bundle)
    assert verdict.reason == "pdf_modified", verdict
    assert verdict.printed_size is None and verdict.printed_sha256 is None


def test_validation_data_after_the_signature_is_accepted_and_only_the_signed_revision_is_printed(ca, bundle):
    data = pdfs.signed(ca)  # PAdES: the signature, then a DSS update with the CRLs
    end = _signed_length(data)
    assert end < len(data), "the DSS update follows the signed revision"
    verdict = verify_pdf(data, bundle)
    assert verdict.accepted, verdict
    assert (verdict.printed_size, verdict.printed_sha256) == (end, hashlib.sha256(data[:end]).hexdigest())
    assert data[:end].rstrip().endswith(b"%%EOF")


def test_whitespace_after_the_last_eof_is_allowed_and_anything_else_refused(ca, bundle):
    data = pdfs.signed(ca)
    assert verify_pdf(data + b"\r\n \n", bundle).accepted
    assert verify_pdf(data + b"% a comment\n", bundle).reason == "pdf_modified"
    assert verify_pdf(data + b"\n1 0 obj\n(x)\nendobj\n", bundle).reason == "pdf_modified"


@pytest.mark.parametrize(("byte_range", "size", "message"), [
    ([5, 10, 20, 30], 100, "first byte"), ([0, 10, 20, 90], 100, "past the end"), ([0, 10, -5, 3], 100, "first byte")])
def test_a_byte_range_that_is_not_a_whole_prefix_is_refused(byte_range, size, message):
    with pytest.raises(PdfRefused, match=message) as refused:
        signed_end(byte_range, size)
    assert refused.value.reason == "pdf_modified"


def test_a_signed_part_that_does_not_end_with_eof_is_refused():
    with pytest.raises(PdfRefused, match="up to its %%EOF"):
        check_tail(b"%PDF-1.7\n...startxref\n9\n%%EOF\nmore", len(b"%PDF-1.7\n...startxref\n9\n%%EOF\nmo"))
    check_tail(b"%PDF-1.7\n...%%EOF\n\nstartxref 12 %%EOF\n", len(b"%PDF-1.7\n...%%EOF\n"))


SIGNED = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\nstartxref\n9\n%%EOF\n"
WHITESPACE = st.binary(max_size=40).map(lambda b: bytes(b" \t\r\n\x0c\x00"[x % 6] for x in b))


@settings(max_examples=300, deadline=None)
@given(tail=st.binary(max_size=300), space=WHITESPACE)
def test_any_tail_is_refused_unless_it_is_whitespace_or_ends_as_a_revision(tail, space):
    """Property: after the signed part, either whitespace, or bytes that end with `startxref N %%EOF`."""
    data = SIGNED + tail + space
    ends_as_revision = re.search(rb"startxref[\x00\t\n\x0c\r ]+[0-9]{1,12}[\x00\t\n\x0c\r ]+%%EOF[\x00\t\n\x0c\r ]*\Z",
                                 tail + space) is not None
    if not (tail + space).strip(b"\x00\t\n\x0c\r ") or ends_as_revision:
        check_tail(data, len(SIGNED))
    else:
        with pytest.raises(PdfRefused):
            check_tail(data, len(SIGNED))


@settings(max_examples=100, deadline=None)
@given(junk=st.binary(min_size=1, max_size=300).filter(lambda b: b.strip(b"\x00\t\n\x0c\r ")))
def test_bytes_appended_to_a_signed_pdf_without_a_final_eof_are_refused(ca, bundle, junk):
    """Property, on a real signed file: appended bytes that do not end as a revision never pass."""
    data = SIGNED_PDF.get(ca) or SIGNED_PDF.setdefault(ca, pdfs.signed(ca, revocation="ocsp"))
    if re.search(rb"%%EOF[\x00\t\n\x0c\r ]*\Z", junk):
        return  # whole revisions are pyHanko's to judge (the tests above)
    assert verify_pdf(data + junk, bundle).reason in ("pdf_modified", "pdf_malformed", "pdf_hostile")


SIGNED_PDF: dict = {}
