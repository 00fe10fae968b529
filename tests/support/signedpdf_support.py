"""Good and bad signed PDFs, made in the test with a CA made in the test (`simulators.backoffice.pki`)."""

from __future__ import annotations

import io

import station.signedpdf.pyhanko_loader  # noqa: F401 - first: pyHanko without cryptography's DSA notice
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.embed import EmbeddedFileObject, FileSpec, embed_file
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import PdfFileWriter, copy_into_new_writer
from pyhanko.sign import fields, signers

from simulators.backoffice.pki import Hierarchy, Signer
from simulators.backoffice.signing import one_page_pdf, pyhanko_signer, sign


TITLE = "Kutipan Akta Kelahiran"


def plain() -> bytes:
    """An unsigned one-page document."""
    return one_page_pdf(["Nomor: 3174-LT-01012026-0001", "Nama: Contoh Warga"], title=TITLE)


def signed(ca: Hierarchy, signer: Signer | None = None, **options: object) -> bytes:
    """A one-page document signed by `signer` (a fresh one from `ca` by default)."""
    return sign(plain(), signer or ca.signer("Kepala Dinas Simulasi"), ca, **options)  # type: ignore[arg-type]


def _updated(pdf: bytes, change: object) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(writer)  # type: ignore[operator]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def incremental_update_after_signing(pdf: bytes) -> bytes:
    """A signed PDF with a later revision that draws new text on the page (what a forger would do)."""

    def overwrite(writer: IncrementalPdfFileWriter) -> None:
        page_ref = writer.root["/Pages"]["/Kids"][0]
        page = page_ref.get_object()
        stream = generic.StreamObject(stream_data=b"BT /F1 30 Tf 72 400 Td (PALSU) Tj ET")
        page["/Contents"] = generic.ArrayObject([page.raw_get("/Contents"), writer.add_object(stream)])
        writer.update_container(page)

    return _updated(pdf, overwrite)


def with_javascript(pdf: bytes) -> bytes:
    """An unsigned PDF that runs JavaScript when opened."""

    def add(writer: IncrementalPdfFileWriter) -> None:
        writer.root["/OpenAction"] = generic.DictionaryObject({
            generic.NameObject("/S"): generic.NameObject("/JavaScript"),
            generic.NameObject("/JS"): generic.TextStringObject("app.alert('hi')")})
        writer.update_root()

    return _updated(pdf, add)


def with_embedded_file(pdf: bytes) -> bytes:
    """An unsigned PDF that carries a file inside it."""

    def add(writer: IncrementalPdfFileWriter) -> None:
        payload = EmbeddedFileObject.from_file_data(writer, b"MZ not a document", mime_type="application/octet-stream")
        embed_file(writer, FileSpec(file_spec_string="lampiran.exe", embedded_data=payload))

    return _updated(pdf, add)


def encrypted(pdf: bytes) -> bytes:
    """The same document encrypted (AES-256, empty user password: anyone can open it, nobody can check it)."""
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf)))
    writer.encrypt("pemilik", "")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def signed_encrypted(ca: Hierarchy) -> bytes:
    """An encrypted document, then signed (pyHanko signs encrypted files too)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(encrypted(plain())))
    writer.encrypt("")
    meta = signers.PdfSignatureMetadata(field_name="Signature1", subfilter=fields.SigSeedSubFilter.PADES)
    return signers.sign_pdf(writer, meta, signer=pyhanko_signer(ca.signer("Kepala Dinas Simulasi"))).getvalue()


def many_objects(count: int = 100_000) -> bytes:
    """A one-page PDF padded with `count` tiny objects (a parser-exhaustion attempt)."""
    writer = PdfFileWriter()
    page = generic.DictionaryObject({generic.NameObject("/Type"): generic.NameObject("/Page"),
                                     generic.NameObject("/MediaBox"): generic.ArrayObject(
                                         [generic.NumberObject(n) for n in (0, 0, 595, 842)])})
    writer.insert_page(page)
    for number in range(count):
        writer.add_object(generic.NumberObject(number))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def appended_update(pdf: bytes, *, final_eof: bool) -> bytes:
    """The issue-21 attack: about 200 bytes after the signed file's `%%EOF` that replace the page's content.

    A new version of the page's content stream, an xref section for it and a
    `startxref`, with or without a last `%%EOF`: viewers and printers follow
    the last `startxref` and show the forged text; no key is needed.
    """
    import re

    reader = PdfFileReader(io.BytesIO(pdf))
    contents = reader.root["/Pages"]["/Kids"][0].get_object().raw_get("/Contents")
    number = (contents[0] if isinstance(contents, generic.ArrayObject) else contents).idnum
    prev = int(re.findall(rb"startxref\s+(\d+)", pdf)[-1])
    root = reader.trailer.raw_get("/Root")
    text = b"BT /F1 30 Tf 72 400 Td (PALSU) Tj ET"
    obj = b"\n%d 0 obj\n<< /Length %d >>\nstream\n%s\nendstream\nendobj\n" % (number, len(text), text)
    offset = len(pdf) + 1  # the object starts after the newline
    xref_at = len(pdf) + len(obj)
    tail = (b"xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %d %d R /Prev %d >>\nstartxref\n%d\n"
            % (number, offset, int(reader.trailer["/Size"]), root.idnum, root.generation, prev, xref_at))
    return pdf + obj + tail + (b"%%EOF\n" if final_eof else b"")


def signed_revision(pdf: bytes) -> bytes:
    """The bytes the last signature covers (its /ByteRange up to the end), read from the file itself."""
    import re

    ranges = re.findall(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", pdf)
    _, _, start, length = map(int, ranges[-1])
    return pdf[:start + length]
