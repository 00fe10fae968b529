"""The §7.2 form of a Document: an agency-signed PDF (`kind: "pdf"`, `pdf` base64, `sha256` hex).

Only the shape is checked here (strict base64, a bounded size, a SHA-256 in
hex); that the bytes match `sha256` and that the PDF's own signature holds
is the render stage's work (`station.signedpdf`), so that a failure holds
the job with its reason instead of refusing the document unseen.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Mapping
from typing import Any

KIND = "pdf"
REQUIRED = ("id", "kind", "pdf", "sha256", "pickup_expires", "issued_at", "kid", "signature")
# The protocol's ceiling; a station's [pdf] max_bytes can only be lower.
MAX_PDF_BYTES = 8 * 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")


def content(item: Mapping[str, Any], refuse: Callable[[str], Exception]) -> dict[str, Any]:
    """The PDF fields of a would-be document, checked; raises `refuse(message)` otherwise."""
    if item["kind"] != KIND:
        raise refuse('kind must be "pdf" when present')
    pdf = item["pdf"]
    if type(pdf) is not str or len(pdf) > 4 * (MAX_PDF_BYTES // 3 + 1):
        raise refuse(f"pdf must be the base64 of at most {MAX_PDF_BYTES} bytes")
    try:
        raw = base64.b64decode(pdf, validate=True)
    except (binascii.Error, ValueError):
        raise refuse("pdf is not strict base64") from None
    if not raw or len(raw) > MAX_PDF_BYTES or base64.b64encode(raw).decode("ascii") != pdf:
        raise refuse(f"pdf must be the canonical base64 of 1 to {MAX_PDF_BYTES} bytes")
    digest = item["sha256"]
    if type(digest) is not str or not _SHA256.fullmatch(digest):
        raise refuse("sha256 must be 64 lower-case hex digits")
    # No template: the job's template column stays empty (its `kind` column says "pdf").
    return {"kind": KIND, "pdf": pdf, "sha256": digest, "template": "", "template_version": 0, "data": {}}


def decoded(document: Mapping[str, Any]) -> bytes:
    """The PDF bytes of a stored §7.2 document (already checked by `content` at intake)."""
    return base64.b64decode(document["pdf"], validate=True)
