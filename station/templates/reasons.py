"""Why a document was not rendered, in a closed vocabulary, and where its PDF goes.

A held job's reason, its audit entry and the log line about it name one of
`RENDER_REASONS` and nothing else: never a field name or value from the
document (a field named like a NIK would otherwise reach the audit, whose
personal-data guard refuses it, and the job would never be held).
"""

from __future__ import annotations

import hashlib

from station.signedpdf.verdict import REASONS as PDF_REASONS
from station.templates.bundle import REASONS as BUNDLE_REASONS

# What a field's value can be refused for (station/templates/fields.py and render.py).
FIELD_REASONS = frozenset({
    "bidi_control", "combining_mark", "control_character", "duplicate", "format_character", "line_break",
    "missing", "not_digits", "not_in_font", "not_object", "not_text", "overflow", "private_use",
    "right_to_left", "row_gap", "seal_too_long", "surrogate", "too_long", "too_many", "too_many_rows",
    "too_short", "unassigned", "unknown_field", "zero_width"})
# The document or its template as a whole.
DOCUMENT_REASONS = frozenset({
    "document_malformed",   # the stored payload is not a document
    "template_version",     # this station does not hold that version
    "template_mismatch",    # the template's folder holds a bundle signed as another template
    "render_refused",       # refused for a reason outside this vocabulary
    "render_failed",        # the renderer failed on this document (a bug to report)
})
RENDER_REASONS = frozenset(BUNDLE_REASONS) | FIELD_REASONS | DOCUMENT_REASONS | frozenset(PDF_REASONS)


def reason_word(reason: object) -> str:
    """`reason` when it is a word of the vocabulary, else `render_refused`."""
    return reason if isinstance(reason, str) and reason in RENDER_REASONS else "render_refused"


# Characters kept as they are in a PDF file name; every other one is escaped as `_XX`.
_PLAIN = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.")
MAX_NAME = 200


def pdf_name(job_id: str) -> str:
    """The PDF file name of a job: one name per id, never the same for two ids (`X:1` and `X_1` differ).

    Plain characters stay; any other byte of the UTF-8 id, `_` included, becomes
    `_XX` (upper-case hex), so the mapping is reversible. A name that would be
    too long becomes `_h` and the id's SHA-256: `_h` is not an escape, so it
    meets no escaped name.
    """
    escaped = "".join(chr(b) if chr(b) in _PLAIN and not (i == 0 and b == ord(".")) else f"_{b:02X}"
                      for i, b in enumerate(job_id.encode("utf-8")))
    if not escaped or len(escaped) > MAX_NAME:
        escaped = "_h" + hashlib.sha256(job_id.encode("utf-8")).hexdigest()
    return escaped + ".pdf"
