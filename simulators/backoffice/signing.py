"""An agency's signing service, simulated: a one-page PDF signed (PAdES) with embedded revocation data.

`sign` is what the back-office simulator does for each citizen who gets a
signed PDF, and what tests do to make good and bad PDFs: pyHanko signs, and
the revocation data (a CRL or an OCSP response made by the simulated CA,
`pki.Hierarchy`) goes into the document, so that a station can check it
offline: in the document security store (DSS) for PAdES, or inside the
signature (`adbe-revocationInfoArchival`) for `adbe.pkcs7.detached`. With
a timestamp authority (`tsa`), the signature carries an RFC 3161 signature
timestamp (PAdES B-T), and the station judges the signer at its time.
Tests also make forgeries here: a signing time the signer backdates
(`declared`), revocation data chosen by the forger (`revinfo`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
import station.signedpdf.pyhanko_loader  # noqa: F401 - first: pyHanko without cryptography's DSA notice
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .pki import Hierarchy, Signer

Revocation = Literal["crl", "ocsp", "none"]


def one_page_pdf(lines: Sequence[str], *, title: str = "Dokumen") -> bytes:
    """A plain A4 page with a few lines of text (what an agency's system would produce)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setTitle(title)
    pdf.setFont("Helvetica-Bold", 14)
    pdf.drawString(72, 770, title)
    pdf.setFont("Helvetica", 11)
    for number, line in enumerate(lines):
        pdf.drawString(72, 740 - 16 * number, line)
    pdf.drawString(72, 120, "Dokumen ini telah ditandatangani secara elektronik.")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def _asn1_cert(cert: object) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))  # type: ignore[attr-defined]


def pyhanko_signer(signer: Signer) -> signers.SimpleSigner:
    """A pyHanko signer for a simulated signing certificate (the chain travels in the signature)."""
    return signers.SimpleSigner(
        signing_cert=_asn1_cert(signer.cert), signing_key=asn1_keys.PrivateKeyInfo.load(signer.key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in signer.chain]))


def timestamper(tsa: Signer) -> DummyTimeStamper:
    """An RFC 3161 timestamp authority (pyHanko's in-process one) with `tsa`'s certificate and key."""
    return DummyTimeStamper(tsa_cert=_asn1_cert(tsa.cert), tsa_key=asn1_keys.PrivateKeyInfo.load(tsa.key_der),
                            certs_to_embed=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in tsa.chain]))


class _Declaring(signers.PdfSigner):
    """A signer that writes the signing time it chooses (`/M` and `signingTime`), as a forger would."""

    def __init__(self, *args: Any, declared: datetime, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._declared = declared

    def init_signing_session(self, *args: Any, **kwargs: Any) -> Any:
        session = super().init_signing_session(*args, **kwargs)
        session.system_time = self._declared
        return session


def sign(pdf: bytes, signer: Signer, ca: Hierarchy, *, revocation: Revocation = "crl",
         subfilter: Literal["pades", "adobe"] = "pades", reason: str = "Dokumen resmi",
         tsa: Signer | None = None, declared: datetime | None = None,
         revinfo: dict[str, list[bytes]] | None = None) -> bytes:
    """`pdf` signed by `signer`, with `ca`'s revocation data for the chain embedded as asked.

    PAdES: the signature, then the CRLs or OCSP response in the DSS (an
    incremental update that only adds validation data, as PAdES B-LT does).
    adobe: pyHanko collects the same data through a validation context and
    puts it in the signature itself; it checks the chain as it does so, so
    this form is only for signers in good standing.
    `tsa`: stamp the signature (PAdES B-T); `declared`: the signing time the
    signer writes; `revinfo`: DER CRLs and OCSP responses in place of `ca`'s.
    """
    chosen = revinfo
    revinfo = _revinfo(signer, ca, revocation)
    if chosen is not None:
        from asn1crypto import crl as asn1_crl
        from asn1crypto import ocsp as asn1_ocsp

        revinfo = {"crls": [asn1_crl.CertificateList.load(c) for c in chosen.get("crls", [])],
                   "ocsps": [asn1_ocsp.OCSPResponse.load(o) for o in chosen.get("ocsps", [])]}
    if subfilter == "adobe":
        context = ValidationContext(trust_roots=[_asn1_cert(ca.root.cert)],
                                    other_certs=[_asn1_cert(c) for c in signer.chain],
                                    crls=revinfo["crls"], ocsps=revinfo["ocsps"], allow_fetching=False,
                                    moment=ca.now, revocation_mode="hard-fail")
        meta = signers.PdfSignatureMetadata(field_name="Signature1", reason=reason,
                                            subfilter=fields.SigSeedSubFilter.ADOBE_PKCS7_DETACHED,
                                            embed_validation_info=revocation != "none",
                                            validation_context=context if revocation != "none" else None)
        return signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta,
                                signer=pyhanko_signer(signer)).getvalue()
    meta = signers.PdfSignatureMetadata(field_name="Signature1", reason=reason,
                                        subfilter=fields.SigSeedSubFilter.PADES)
    stamper = timestamper(tsa) if tsa is not None else None
    if declared is None:
        pdf_signer = signers.PdfSigner(meta, signer=pyhanko_signer(signer), timestamper=stamper)
    else:
        pdf_signer = _Declaring(meta, signer=pyhanko_signer(signer), timestamper=stamper, declared=declared)
    signed = pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)))
    certs = [*signer.chain, *(tsa.chain if tsa else ()), *([tsa.cert] if tsa else [])]
    if revocation == "none":
        return signed.getvalue()
    DocumentSecurityStore.add_dss(signed, sig_contents=None, certs=[_asn1_cert(c) for c in certs],
                                  crls=revinfo["crls"], ocsps=revinfo["ocsps"])
    return signed.getvalue()


def _revinfo(signer: Signer, ca: Hierarchy, revocation: Revocation) -> dict[str, list[Any]]:
    """CRLs for the whole chain, or an OCSP response for the signer plus the root's CRL (for the intermediate).

    The root's CRL also covers the timestamp authority (`Hierarchy.tsa`).
    """
    from asn1crypto import crl as asn1_crl
    from asn1crypto import ocsp as asn1_ocsp

    if revocation == "crl":
        return {"crls": [asn1_crl.CertificateList.load(c) for c in ca.crls()], "ocsps": []}
    if revocation == "ocsp":
        return {"crls": [asn1_crl.CertificateList.load(ca.crl(ca.root))],
                "ocsps": [asn1_ocsp.OCSPResponse.load(ca.ocsp_response(signer))]}
    return {"crls": [], "ocsps": []}
