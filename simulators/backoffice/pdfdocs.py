"""The agencies' signed PDFs for the simulated back office: a CA made at start, one signer, a PDF per citizen.

A real agency sends finished documents signed with a certificate from a
national CA (BSrE); here a `pki.Hierarchy` stands in for that CA, and its
timestamp authority stamps each signature (PAdES B-T: a station judges the
signer at the stamped time, never at the time the signer declares). Each
document's revocation data alternates between a CRL and an OCSP response,
so that a station meets both.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

from .pki import Hierarchy
from .signing import one_page_pdf, sign

MAX_LINES = 24


class PdfIssuer:
    """Signs one-page PDFs for citizens, as an agency's signing service would."""

    def __init__(self, name: str = "BSrE Simulasi") -> None:
        self.ca = Hierarchy(name)
        self.signer = self.ca.signer("Kepala Dinas Kependudukan dan Pencatatan Sipil (Simulasi)")
        self.tsa = self.ca.tsa()
        self.signed = 0

    @property
    def root_pem(self) -> bytes:
        """The root certificate a station puts in its `[pdf] ca_bundle` to trust these PDFs."""
        return self.ca.root.pem

    def document_fields(self, title: str, data: Mapping[str, str]) -> dict[str, Any]:
        """The §7.2 fields of a document (`kind`, `pdf`, `sha256`) for a citizen's `data`."""
        lines = [f"{name.replace('_', ' ').title()}: {value}" for name, value in list(data.items())[:MAX_LINES]]
        self.signed += 1
        pdf = sign(one_page_pdf(lines, title=title), self.signer, self.ca,
                   revocation="ocsp" if self.signed % 2 else "crl", tsa=self.tsa)
        return {"kind": "pdf", "pdf": base64.b64encode(pdf).decode("ascii"),
                "sha256": hashlib.sha256(pdf).hexdigest()}
