"""Agency-signed PDFs (PROTOCOLS.md §7.2): verified offline with pyHanko, then printed byte for byte."""

from . import pyhanko_loader  # noqa: F401 - first: pyHanko without cryptography's DSA notice
from .cabundle import Bundle, BundleFile
from .limits import Limits
from .verdict import REASONS, PdfRefused, Verdict
from .verify import verify_pdf

__all__ = ["REASONS", "Bundle", "BundleFile", "Limits", "PdfRefused", "Verdict", "verify_pdf"]
