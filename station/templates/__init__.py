"""Signed templates and document rendering (PROTOCOLS.md §5 and §6).

Load a bundle once (`load_template`, or a `TemplateCache`), then call
`render_document` per document: it returns the PDF bytes, the page count,
their SHA-256 and the seal text. Writing the file is the caller's job.
"""

from __future__ import annotations

from .bundle import BundleRefused, VerifiedBundle, sign_bundle, verify_bundle
from .cache import TemplateCache, TemplateUnavailable
from .fields import FieldError
from .manifest import InvalidTemplate, Manifest, parse_manifest
from .render import RenderedDocument, render_document
from .template import Template, compile_template, load_template
from .versions import FileLedger, MemoryLedger, SpoolLedger, VersionLedger, check_not_older

__all__ = [
    "BundleRefused", "FieldError", "FileLedger", "InvalidTemplate", "Manifest", "MemoryLedger",
    "RenderedDocument", "SpoolLedger", "Template", "TemplateCache", "TemplateUnavailable", "VerifiedBundle",
    "VersionLedger", "check_not_older", "compile_template", "load_template", "parse_manifest",
    "render_document", "sign_bundle", "verify_bundle",
]
