"""Who may sign a document the station prints (PROTOCOLS §7.2): not every certificate under a trusted root.

A CA of the agency also issues TLS servers, code signers and CAs. Only a
certificate meant for signing documents may sign one: a key usage of
digitalSignature or nonRepudiation, an extended key usage or certificate
policy from the station's list (`[pdf] signer_oids`, by default the two
document-signing EKUs), and never a CA certificate. A refusal is
`pdf_signer_policy`.
"""

from __future__ import annotations

from collections.abc import Iterable

from asn1crypto import x509 as asn1_x509

from .verdict import PdfRefused

# Microsoft's "Document Signing" EKU, as national CAs issue it, and RFC 9336's id-kp-documentSigning.
DOCUMENT_SIGNING_OIDS = ("1.3.6.1.4.1.311.10.3.12", "1.3.6.1.5.5.7.3.36")
_SIGNING_USAGES = frozenset({"digital_signature", "non_repudiation"})


def check_signer(cert: asn1_x509.Certificate, allowed: Iterable[str] = DOCUMENT_SIGNING_OIDS) -> None:
    """Refuse (`pdf_signer_policy`) a signer certificate the policy does not name."""
    allowed = frozenset(allowed)
    constraints = cert.basic_constraints_value
    if constraints is not None and constraints["ca"].native:
        raise PdfRefused("pdf_signer_policy", "a CA certificate signed the document (CAs never sign documents)")
    usages = set(cert.key_usage_value.native) if cert.key_usage_value is not None else set()
    if not usages & _SIGNING_USAGES:
        raise PdfRefused("pdf_signer_policy", "the signer's key usage is neither digitalSignature nor"
                                              " nonRepudiation")
    extended = {oid.dotted for oid in cert.extended_key_usage_value} if cert.extended_key_usage_value else set()
    policies = ({p["policy_identifier"].dotted for p in cert.certificate_policies_value}
                if cert.certificate_policies_value else set())
    if not (extended | policies) & allowed:
        raise PdfRefused("pdf_signer_policy", "the signer's certificate names no document-signing usage or"
                                              " policy the station accepts")
