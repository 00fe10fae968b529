"""Types the pickup-token tests share (a module of its own: conftest.py is not importable)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from station.trust.store import TrustStore


@dataclass
class Issuer:
    """A test issuer key, its PEM file and a trust store (also on disk) that trusts it."""

    key: Ed25519PrivateKey
    pem: Path
    store: TrustStore
    trust_path: Path
