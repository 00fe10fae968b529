"""The station's CA bundle for signed PDFs: a PEM file of trusted roots, read again when it changes."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..errors import ConfigError


@dataclass(frozen=True)
class Bundle:
    """Trusted roots (possibly none: then every signed PDF is refused as `pdf_untrusted_signer`)."""

    roots: tuple[asn1_x509.Certificate, ...]
    source: str

    @property
    def empty(self) -> bool:
        """True when no CA is trusted."""
        return not self.roots


EMPTY = Bundle((), "no CA bundle configured")


def parse(data: bytes, source: str) -> Bundle:
    """The certificates of a PEM bundle; `ConfigError` when it holds anything else."""
    if not data.strip():
        return Bundle((), f"{source} is empty")
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as err:
        raise ConfigError(f"CA bundle {source}: not PEM certificates ({err})") from None
    return Bundle(tuple(asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs),
                  source)


class BundleFile:
    """A CA bundle on disk, re-read whenever the file changes (no restart to trust a new CA)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._bundle = EMPTY

    def current(self) -> Bundle:
        """The bundle as the file is now; EMPTY when none is configured; `ConfigError` when unreadable."""
        if self.path is None:
            return EMPTY
        try:
            info = os.stat(self.path)
        except FileNotFoundError:
            raise ConfigError(f"CA bundle {self.path} does not exist") from None
        except OSError as err:
            raise ConfigError(f"CA bundle {self.path}: {err.strerror}") from None
        stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        with self._lock:
            if stamp != self._stamp:
                try:
                    data = Path(self.path).read_bytes()
                except OSError as err:
                    raise ConfigError(f"CA bundle {self.path}: {err.strerror}") from None
                self._bundle = parse(data, str(self.path))
                self._stamp = stamp
            return self._bundle
