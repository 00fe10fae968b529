"""The document handed to a printer: a PDF file, its pages and its hash."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from .errors import BadDocument

# pypdf logs recoverable oddities as warnings; a document that is truly
# broken raises, which is what the station acts on.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def pdf_pages(path: Path | str) -> int:
    """How many pages the PDF at `path` has (pypdf); `BadDocument` if it cannot be read."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    path = Path(path)
    try:
        with path.open("rb") as handle:
            if handle.read(5) != b"%PDF-":
                raise BadDocument(f"{path.name} is not a PDF")
            handle.seek(0)
            pages = len(PdfReader(handle).pages)
    except FileNotFoundError:
        raise BadDocument(f"document {path} is missing") from None
    except OSError as err:
        raise BadDocument(f"cannot read document {path}: {err.strerror or err}") from None
    except (PyPdfError, ValueError, KeyError, TypeError, RecursionError) as err:
        raise BadDocument(f"{path.name} is not a readable PDF: {err}") from None
    if pages < 1:
        raise BadDocument(f"{path.name} has no pages")
    return pages


def sha256_of(path: Path | str) -> str:
    """Hex SHA-256 of a file (to check a document was not changed since it was rendered)."""
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                digest.update(block)
    except OSError as err:
        raise BadDocument(f"cannot read document {path}: {err.strerror or err}") from None
    return digest.hexdigest()
