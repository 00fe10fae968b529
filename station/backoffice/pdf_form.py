"""The §7.2 form of a Document: an agency-signed PDF (`kind: "pdf"`, `pdf` base64, `sha256` hex).

Its shape (strict base64, a bounded size, a SHA-256 in hex) is the
`document_model.PdfShape`; that the bytes match `sha256` and that the PDF's own signature holds
is the render stage's work (`station.signedpdf`), so that a failure holds
the job with its reason instead of refusing the document unseen.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

KIND = "pdf"
# The protocol's ceiling; a station's [pdf] max_bytes can only be lower.
MAX_PDF_BYTES = 8 * 1024 * 1024


def decoded(document: Mapping[str, Any]) -> bytes:
    """The PDF bytes of a stored §7.2 document (its shape checked by `PdfShape` at intake)."""
    return base64.b64decode(document["pdf"], validate=True)
