"""Certificates made in the test with `cryptography`: a CA, and a server certificate it signs."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    path.chmod(0o600)


def make_certificate(folder: Path, name: str, *, host: str = "127.0.0.1",
                     ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None = None
                     ) -> tuple[Path, Path, x509.Certificate, ec.EllipticCurvePrivateKey]:
    """`name`.pem and `name`-key.pem for `host`: self-signed (a CA) when `ca` is None, else signed by it."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    issuer_cert, issuer_key = ca if ca is not None else (None, key)
    builder = (x509.CertificateBuilder()
               .subject_name(_name(f"{name} {host}"))
               .issuer_name(issuer_cert.subject if issuer_cert is not None else _name(f"{name} {host}"))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
               .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]),
                              critical=False)
               .add_extension(x509.BasicConstraints(ca=ca is None, path_length=None), critical=True))
    cert = builder.sign(issuer_key, hashes.SHA256())
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, key_path)
    return cert_path, key_path, cert, key
