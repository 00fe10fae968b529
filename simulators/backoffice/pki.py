"""A simulated certificate authority for agency-signed PDFs: root, intermediate, signers, CRLs, OCSP.

It stands in for a national CA such as BSrE, offline: the back-office
simulator makes one at start, and tests make one per test with the faults
they need (a revoked signer, an expired one, a signer key usage that is not
for signing, a TLS or code-signing certificate, a CA, a root the station
does not trust). Its timestamp authority (`tsa`) stamps signatures (RFC
3161, PAdES B-T), so that a station judges the signer at a trusted time. Everything is made with
`cryptography`; keys are ECDSA P-256 (quick to make, and what pyHanko and
real CAs both support).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

HASH = hashes.SHA256()
# Revocation sources named in the certificates; `.invalid` never resolves (RFC 2606).
REVOCATION_BASE = "http://pki.simulasi.invalid"


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


@dataclass
class Authority:
    """One CA: its key, its certificate, and the serials it has revoked (with when)."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    revoked: dict[int, datetime] = field(default_factory=dict)

    @property
    def pem(self) -> bytes:
        """The certificate as PEM (what a station's CA bundle holds for a root)."""
        return self.cert.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class Signer:
    """A signing certificate, its key and the chain above it (intermediate first, root last)."""

    key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    cert: x509.Certificate
    chain: tuple[x509.Certificate, ...]

    @property
    def key_der(self) -> bytes:
        """The private key as unencrypted PKCS#8 DER (what pyHanko's signer loads)."""
        return self.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())


# The document-signing EKUs a station accepts by default (PROTOCOLS §7.2): Microsoft's, and RFC 9336's.
DOCUMENT_SIGNING = [x509.ObjectIdentifier("1.3.6.1.4.1.311.10.3.12"), x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")]


def _certificate(subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey,
                 issuer_key: ec.EllipticCurvePrivateKey, *, not_before: datetime, not_after: datetime,
                 ca: bool, key_usage: x509.KeyUsage, extended: list[x509.ObjectIdentifier] | None = None,
                 issuer_public: ec.EllipticCurvePublicKey | None = None, crl_url: str | None = None,
                 ocsp_url: str | None = None) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(not_before)
               .not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(key_usage, critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer_public or issuer_key.public_key()), critical=False))
    if extended:
        # RFC 3161: a TSA's certificate has exactly the timeStamping EKU, marked critical.
        builder = builder.add_extension(x509.ExtendedKeyUsage(extended),
                                        critical=extended == [ExtendedKeyUsageOID.TIME_STAMPING])
    # Where revocation data would be fetched (never, here: the station is offline and the names are
    # .invalid); a validator looks for OCSP data only for a certificate that names a responder.
    if crl_url:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            [x509.UniformResourceIdentifier(crl_url)], None, None, None)]), critical=False)
    if ocsp_url:
        builder = builder.add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url))]), critical=False)
    return builder.sign(issuer_key, HASH)


_CA_USAGE = x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False)
SIGNING_USAGE = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                              data_encipherment=False, key_agreement=False, key_cert_sign=False,
                              crl_sign=False, encipher_only=False, decipher_only=False)
# A certificate for TLS key exchange only: not one to sign documents with.
NOT_FOR_SIGNING = x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                data_encipherment=False, key_agreement=True, key_cert_sign=False,
                                crl_sign=False, encipher_only=False, decipher_only=False)


class Hierarchy:
    """A root CA, an intermediate CA under it, and the signers and revocation data the intermediate issues."""

    def __init__(self, name: str = "Simulasi", *, now: datetime | None = None, years: int = 10) -> None:
        self.now = now or datetime.now(UTC)
        start = self.now - timedelta(days=30)
        root_key = ec.generate_private_key(ec.SECP256R1())
        root_name = _name(f"{name} Root CA", f"{name} Certificate Authority")
        self.root = Authority(root_key, _certificate(root_name, root_name, root_key.public_key(), root_key,
                                                     not_before=start, not_after=start + timedelta(days=365 * years),
                                                     ca=True, key_usage=_CA_USAGE))
        inter_key = ec.generate_private_key(ec.SECP256R1())
        inter_name = _name(f"{name} Intermediate CA", f"{name} Certificate Authority")
        self.intermediate = Authority(inter_key, _certificate(
            inter_name, root_name, inter_key.public_key(), root_key, not_before=start,
            not_after=start + timedelta(days=365 * years - 1), ca=True, key_usage=_CA_USAGE,
            crl_url=f"{REVOCATION_BASE}/root.crl"))

    def signer(self, common_name: str, organisation: str = "Dinas Kependudukan dan Pencatatan Sipil", *,
               not_before: datetime | None = None, not_after: datetime | None = None,
               key_usage: x509.KeyUsage = SIGNING_USAGE, extended: list[x509.ObjectIdentifier] | None = None,
               ca: bool = False) -> Signer:
        """A signing certificate from the intermediate (valid from a day ago for two years by default).

        `extended`: its EKUs (the document-signing ones by default); `ca`: a CA certificate instead.
        """
        key = ec.generate_private_key(ec.SECP256R1())
        start = not_before or self.now - timedelta(days=1)
        cert = _certificate(_name(common_name, organisation), self.intermediate.cert.subject, key.public_key(),
                            self.intermediate.key, not_before=start,
                            not_after=not_after or start + timedelta(days=730), ca=ca, key_usage=key_usage,
                            extended=DOCUMENT_SIGNING if extended is None else extended,
                            crl_url=f"{REVOCATION_BASE}/intermediate.crl", ocsp_url=f"{REVOCATION_BASE}/ocsp")
        return Signer(key, cert, (self.intermediate.cert, self.root.cert))

    def tsa(self, common_name: str = "Otoritas Cap Waktu Simulasi") -> Signer:
        """A timestamp authority's certificate from the root (timeStamping only; the root's CRL covers it).

        RSA: pyHanko's in-process TSA (`DummyTimeStamper`) signs with RSA only.
        """
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        start = self.now - timedelta(days=1)
        usage = x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                              data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                              encipher_only=False, decipher_only=False)
        cert = _certificate(_name(common_name, "Simulasi Certificate Authority"), self.root.cert.subject,
                            key.public_key(), self.root.key, not_before=start,
                            not_after=start + timedelta(days=3650), ca=False, key_usage=usage,
                            extended=[ExtendedKeyUsageOID.TIME_STAMPING], crl_url=f"{REVOCATION_BASE}/root.crl")
        return Signer(key, cert, (self.root.cert,))

    def revoke(self, signer: Signer, at: datetime | None = None) -> None:
        """Revoke a signer's certificate (from `at`, by default an hour ago)."""
        self.intermediate.revoked[signer.cert.serial_number] = at or self.now - timedelta(hours=1)

    def crl(self, authority: Authority | None = None, *, valid_days: float = 7,
            issued: datetime | None = None) -> bytes:
        """A DER CRL of `authority` (the intermediate by default), issued a minute ago (or at `issued`).

        It lists the revocations made before it was issued.
        """
        authority = authority or self.intermediate
        issued = issued or self.now - timedelta(minutes=1)
        builder = (x509.CertificateRevocationListBuilder().issuer_name(authority.cert.subject)
                   .last_update(issued).next_update(issued + timedelta(days=valid_days))
                   .add_extension(x509.CRLNumber(1), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       authority.key.public_key()), critical=False))
        for serial, when in authority.revoked.items():
            if when > issued:
                continue
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
        return builder.sign(authority.key, HASH).public_bytes(serialization.Encoding.DER)

    def crls(self, issued: datetime | None = None) -> list[bytes]:
        """CRLs for the whole chain: the root's (covering the intermediate) and the intermediate's."""
        return [self.crl(self.root, issued=issued), self.crl(self.intermediate, issued=issued)]

    def ocsp_response(self, signer: Signer, *, valid_days: float = 7) -> bytes:
        """A DER OCSP response for a signer, signed by the intermediate itself (good, or revoked)."""
        produced = self.now - timedelta(minutes=1)
        revoked_at = self.intermediate.revoked.get(signer.cert.serial_number)
        builder = ocsp.OCSPResponseBuilder().add_response(
            cert=signer.cert, issuer=self.intermediate.cert, algorithm=hashes.SHA1(),
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked_at else ocsp.OCSPCertStatus.GOOD,
            this_update=produced, next_update=produced + timedelta(days=valid_days),
            revocation_time=revoked_at, revocation_reason=x509.ReasonFlags.key_compromise if revoked_at else None)
        builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, self.intermediate.cert)
        return builder.sign(self.intermediate.key, HASH).public_bytes(serialization.Encoding.DER)
