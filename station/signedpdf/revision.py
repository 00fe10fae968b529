"""The signed revision of a PDF: the bytes the last signature covers, which are the only bytes printed.

pyHanko finds a file's last revision by looking back about 1 KiB for
`%%EOF`. Bytes appended after the signed revision without a final `%%EOF`
(a new content object, an xref section, a `startxref`) are then invisible
to it, while poppler, Ghostscript and printers follow the last `startxref`
and show them (issue 21). So the station checks the file's shape itself:

- the last signature's /ByteRange starts at 0 and ends with its revision's
  `%%EOF` (whitespace aside);
- whatever follows is either whitespace, or complete revisions that end
  with `startxref N %%EOF` at the very end of the file (so that pyHanko
  reads them, and its difference analysis judges them: only validation
  data may follow a signature);
- the station stores and prints the signed revision alone, cut at the end
  of the byte range: a document timestamp or a DSS added later proves
  things about the document, it is not part of what is printed.
"""

from __future__ import annotations

import re

from .verdict import PdfRefused

_WHITESPACE = b"\x00\t\n\x0c\r "
# A revision's end: startxref, its offset, %%EOF, at the very end of the file (trailing whitespace aside).
_FILE_END = re.compile(rb"startxref[\x00\t\n\x0c\r ]+[0-9]{1,12}[\x00\t\n\x0c\r ]+%%EOF[\x00\t\n\x0c\r ]*\Z")


def signed_end(byte_range: list[int] | tuple[int, ...], size: int) -> int:
    """Where the signed revision ends: the end of the byte range, checked to be a whole revision."""
    if len(byte_range) != 4 or byte_range[0] != 0 or any(n < 0 for n in byte_range):
        raise PdfRefused("pdf_modified", "the signature's byte range does not start at the file's first byte")
    end = byte_range[2] + byte_range[3]
    if end > size:
        raise PdfRefused("pdf_modified", "the signature's byte range reaches past the end of the file")
    return end


def check_tail(data: bytes, end: int) -> None:
    """Refuse unless the signed part ends with `%%EOF` and what follows is whitespace or whole revisions."""
    if not data[:end].rstrip(_WHITESPACE).endswith(b"%%EOF"):
        raise PdfRefused("pdf_modified", "the signature does not cover its revision up to its %%EOF")
    tail = data[end:]
    if not tail.strip(_WHITESPACE):
        return
    if _FILE_END.search(tail) is None:
        raise PdfRefused("pdf_modified", "bytes after the signed revision do not end as a revision"
                                         " (startxref and %%EOF)")
