"""Keys and the trust store (PROTOCOLS.md §3).

All signatures are Ed25519. A key id (`kid`) is the hex of the first 8 bytes
of the SHA-256 of the raw 32-byte public key. A trust store is one JSON file
of public keys, each with a purpose, a signing window, a verification limit
and a status; a key is used only for its purpose, and a revoked key verifies
nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from spool import rfc3339

from station.errors import StationError
from station.files import write_atomic

Purpose = Literal["issuer", "template", "station"]
PURPOSES: tuple[str, ...] = ("issuer", "template", "station")
STORE_VERSION = 3

log = logging.getLogger("station.trust")


class TrustError(StationError):
    """A signature does not count; `reason` is the machine word (PROTOCOLS.md §4)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, exit_code=1)
        self.reason = reason


class TrustStoreError(StationError):
    """The trust store file itself is missing or malformed."""


def kid_of(public_raw: bytes) -> str:
    """The key id of a raw 32-byte Ed25519 public key."""
    return hashlib.sha256(public_raw).digest()[:8].hex()


def public_raw(key: Ed25519PublicKey | Ed25519PrivateKey) -> bytes:
    """The raw 32 bytes of a public key (of a private key's public half)."""
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def format_time(moment: datetime) -> str:
    """RFC 3339, UTC, seconds: `2026-01-01T00:00:00Z` (the trust store's times are to the second)."""
    return rfc3339.format_time(moment, "seconds")


def parse_time(text: Any, what: str) -> datetime:
    """An RFC 3339 time with an explicit offset, as an aware datetime."""
    if not isinstance(text, str):
        raise TrustStoreError(f"{what}: expected an RFC 3339 time, got {text!r}")
    try:
        return rfc3339.parse(text)
    except rfc3339.TimeTextError as err:
        raise TrustStoreError(f"{what}: {err}: {text!r}") from None


@dataclass(frozen=True)
class TrustedKey:
    """One public key of the trust store."""

    kid: str
    purpose: str
    public_key: Ed25519PublicKey
    raw: bytes
    sign_from: datetime | None
    sign_until: datetime | None
    verify_until: datetime | None
    status: str
    # Station keys: the station id this key speaks for (a seal's `iss` must name it).
    station: str | None = None

    @classmethod
    def from_entry(cls, entry: Any, where: str = "key") -> TrustedKey:
        """Read and check one trust-store entry."""
        if not isinstance(entry, dict):
            raise TrustStoreError(f"{where}: expected an object")
        allowed = {"kid", "purpose", "public_key", "sign_from", "sign_until", "verify_until", "status", "station"}
        unknown = set(entry) - allowed
        if unknown:
            raise TrustStoreError(f"{where}: unknown fields {sorted(unknown)}")
        purpose = entry.get("purpose")
        if purpose not in PURPOSES:
            raise TrustStoreError(f"{where}: purpose must be one of {', '.join(PURPOSES)}")
        try:
            raw = base64.b64decode(entry.get("public_key", ""), validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise TrustStoreError(f"{where}: public_key is not base64") from None
        if len(raw) != 32:
            raise TrustStoreError(f"{where}: public_key must be 32 raw bytes, got {len(raw)}")
        kid = entry.get("kid")
        if kid != kid_of(raw):
            raise TrustStoreError(f"{where}: kid {kid!r} does not match the public key ({kid_of(raw)})")
        status = entry.get("status", "active")
        if status not in ("active", "revoked"):
            raise TrustStoreError(f"{where}: status must be active or revoked")
        times = {name: parse_time(entry[name], f"{where}.{name}") if entry.get(name) is not None else None
                 for name in ("sign_from", "sign_until", "verify_until")}
        station = entry.get("station")
        if station is not None and (purpose != "station" or not isinstance(station, str) or not station):
            raise TrustStoreError(f"{where}: station names the station id of a station key (text)")
        return cls(kid=kid, purpose=purpose, public_key=Ed25519PublicKey.from_public_bytes(raw), raw=raw,
                   status=status, station=station, **times)

    def to_entry(self) -> dict[str, Any]:
        """The JSON form of this key."""
        entry: dict[str, Any] = {"kid": self.kid, "purpose": self.purpose,
                                 "public_key": base64.b64encode(self.raw).decode()}
        for name in ("sign_from", "sign_until", "verify_until"):
            value = getattr(self, name)
            if value is not None:
                entry[name] = format_time(value)
        entry["status"] = self.status
        if self.station is not None:
            entry["station"] = self.station
        return entry

    def signature_ok(self, message: bytes, signature: bytes) -> bool:
        """True when `signature` is this key's Ed25519 signature of `message`."""
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def window_allows(self, signed_at: datetime, now: datetime) -> bool:
        """Made inside [sign_from, sign_until] and checked before verify_until."""
        if self.sign_from is not None and signed_at < self.sign_from:
            return False
        if self.sign_until is not None and signed_at > self.sign_until:
            return False
        return self.verify_until is None or now < self.verify_until


@dataclass(frozen=True)
class TrustStore:
    """The public keys a station trusts."""

    keys: tuple[TrustedKey, ...] = ()
    version: int = STORE_VERSION
    # Set when the file could not be read or parsed: such a store verifies nothing (fails closed).
    unreadable: str | None = None

    @classmethod
    def load(cls, path: str | Path) -> TrustStore:
        """Read a trust store file; a clear error for anything wrong in it."""
        path = Path(path)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise TrustStoreError(f"no trust store at {path}") from None
        except OSError as err:
            raise TrustStoreError(f"trust store {path} is not readable: {err.strerror or err}") from None
        return cls.from_bytes(data, str(path))

    @classmethod
    def from_bytes(cls, data: bytes, where: str = "trust store") -> TrustStore:
        """A trust store from the bytes of its file."""
        try:
            parsed = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise TrustStoreError(f"trust store {where} is not readable JSON: {err}") from None
        return cls.from_json(parsed, where)

    @classmethod
    def from_json(cls, data: Any, where: str = "trust store") -> TrustStore:
        """A trust store from its parsed JSON."""
        if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
            raise TrustStoreError(f"{where}: expected {{\"version\": 3, \"keys\": [...]}}")
        version = data.get("version", STORE_VERSION)
        if not isinstance(version, int) or isinstance(version, bool):
            raise TrustStoreError(f"{where}: version must be an integer")
        keys = tuple(TrustedKey.from_entry(e, f"{where}: keys[{i}]") for i, e in enumerate(data["keys"]))
        return cls(keys=keys, version=version)

    def to_json(self) -> dict[str, Any]:
        """The JSON form of the store."""
        return {"version": self.version, "keys": [k.to_entry() for k in self.keys]}

    def save(self, path: str | Path) -> None:
        """Write the store atomically (temp file, fsync, rename)."""
        write_atomic(Path(path), (json.dumps(self.to_json(), indent=2) + "\n").encode())

    def with_key(self, key: TrustedKey) -> TrustStore:
        """A copy with `key` added (an identical entry is not added twice)."""
        if any(k.kid == key.kid and k.purpose == key.purpose and k.raw == key.raw for k in self.keys):
            raise TrustStoreError(f"key {key.kid} ({key.purpose}) is already in the trust store")
        return replace(self, keys=self.keys + (key,))

    def with_revoked(self, kid: str) -> TrustStore:
        """A copy with every key of this kid revoked."""
        if not any(k.kid == kid for k in self.keys):
            raise TrustStoreError(f"no key {kid!r} in the trust store")
        return replace(self, keys=tuple(replace(k, status="revoked") if k.kid == kid else k
                                        for k in self.keys))

    def candidates(self, kid: str, purpose: str) -> list[TrustedKey]:
        """Every key with this kid and purpose (kids may collide: each is tried)."""
        return [k for k in self.keys if k.kid == kid and k.purpose == purpose]

    def check_signature(self, kid: str, purpose: str, message: bytes, signature: bytes) -> list[TrustedKey]:
        """The active keys under which `signature` is good; TrustError otherwise.

        Order of refusal: `unknown_key` (no key of this kid for this purpose),
        `revoked_key` (only revoked keys, or good only under a revoked key),
        `bad_signature`.
        """
        if self.unreadable is not None:
            raise TrustError("trust_store_unreadable", f"the trust store cannot be read: {self.unreadable}")
        found = self.candidates(kid, purpose)
        if not found:
            raise TrustError("unknown_key", f"no {purpose} key {kid} in the trust store")
        good = [k for k in found if k.signature_ok(message, signature)]
        # The same public key listed twice, once revoked: the revocation wins.
        revoked = {k.raw for k in found if k.status == "revoked"}
        active_good = [k for k in good if k.status == "active" and k.raw not in revoked]
        if active_good:
            return active_good
        if good or all(k.status == "revoked" for k in found):
            raise TrustError("revoked_key", f"{purpose} key {kid} is revoked")
        raise TrustError("bad_signature", f"signature does not verify under {purpose} key {kid}")

    def verify(self, kid: str, purpose: str, message: bytes, signature: bytes, *,
               signed_at: datetime, now: datetime) -> TrustedKey:
        """Signature good under an active key whose window allows `signed_at` at `now`."""
        good = self.check_signature(kid, purpose, message, signature)
        for key in good:
            if key.window_allows(signed_at, now):
                return key
        raise TrustError("key_window", f"{purpose} key {kid} may not sign at {format_time(signed_at)}"
                                       f" or verify at {format_time(now)}")


# --- private keys -----------------------------------------------------------

def new_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def private_key_pem(key: Ed25519PrivateKey) -> bytes:
    """PEM (PKCS#8, unencrypted) of a private key."""
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def save_private_key(key: Ed25519PrivateKey, path: Path) -> None:
    """Write a private key, mode 0600 from the first byte on; never overwrite."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise StationError(f"{path} already exists: refusing to overwrite a private key") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(private_key_pem(key))
        handle.flush()
        os.fsync(handle.fileno())


def load_private_key(path: str | Path, *, allow_exposed: bool = False) -> Ed25519PrivateKey:
    """Read a PEM Ed25519 private key; refuses a file others can read (unless `allow_exposed`)."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
        data = path.read_bytes()
    except FileNotFoundError:
        raise StationError(f"no private key at {path}") from None
    except OSError as err:
        raise StationError(f"cannot read private key {path}: {err.strerror}") from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO) and not allow_exposed:
        raise StationError(f"private key {path} is readable by others (mode {stat.S_IMODE(mode):o});"
                           f" run: chmod 600 {path}")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as err:
        raise StationError(f"{path} is not an unencrypted PEM private key: {err}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise StationError(f"{path} is not an Ed25519 private key")
    return key


def entry_for(key: Ed25519PrivateKey | Ed25519PublicKey, purpose: str, *,
              sign_from: datetime | None = None, valid_days: float = 365,
              verify_grace_days: float = 90, station: str | None = None) -> TrustedKey:
    """A trust-store entry for a key: signs from now for `valid_days`, verifies a grace beyond.

    A station key names the station it speaks for (`station`): its seals count only for that id.
    """
    if purpose not in PURPOSES:
        raise StationError(f"purpose must be one of {', '.join(PURPOSES)}")
    if station is not None and purpose != "station":
        raise StationError("only a station key is bound to a station id")
    raw = public_raw(key)
    start = (sign_from or datetime.now(UTC)).replace(microsecond=0)
    until = start + timedelta(days=valid_days)
    return TrustedKey(kid=kid_of(raw), purpose=purpose, public_key=Ed25519PublicKey.from_public_bytes(raw),
                      raw=raw, sign_from=start, sign_until=until,
                      verify_until=until + timedelta(days=verify_grace_days), status="active", station=station)


class TrustFile:
    """The trust store file, read again when it changes (a revocation applies without a restart).

    Each call costs one `stat`: the file is read again when its inode, size,
    mtime or ctime moved. A rewrite in place within the file system's time
    granularity can keep all four, so while the file's times are younger
    than `RECENT_NS` its content hash is compared on every call as well.
    Safe to call from several threads. `on_change(old, new)` is called
    (outside the lock) after each reload that changed the keys. While the
    file cannot be read or parsed, a call returns a store that verifies
    nothing (`trust_store_unreadable`), never the last good one (§3).
    """

    # Coarse file-system clocks (ext4 on some kernels: a jiffy; FAT: 2 s) stay within this.
    RECENT_NS = 2_000_000_000

    def __init__(self, path: Path, *, on_change: Callable[[TrustStore, TrustStore], None] | None = None) -> None:
        self.path = Path(path)
        self.on_change = on_change
        self._lock = threading.Lock()
        self._stamp: tuple[int, ...] | None = None
        self._digest: bytes | None = None
        self._store: TrustStore | None = None  # the last store read (kept only to describe the next change)
        self._broken: TrustStore | None = None  # the store in force while the file does not read

    def __call__(self) -> TrustStore:
        """The current trust store; one that verifies nothing while the file does not read (never an older one)."""
        changed: tuple[TrustStore, TrustStore] | None = None
        with self._lock:
            try:
                info = os.stat(self.path)
                stamp = (info.st_ino, info.st_dev, info.st_size, info.st_mtime_ns, info.st_ctime_ns)
                if (stamp != self._stamp or self._store is None or self._broken is not None
                        or _recent(info, self.RECENT_NS)):
                    changed = self._reload(stamp)
                store = self._store
            except (OSError, TrustStoreError) as err:
                store = self._fail(err)
        if changed is not None and self.on_change is not None:
            self.on_change(*changed)
        assert store is not None
        return store

    @property
    def unreadable(self) -> str | None:
        """Why the file did not read at the last use (None: it read)."""
        return None if self._broken is None else self._broken.unreadable

    def _reload(self, stamp: tuple[int, ...]) -> tuple[TrustStore, TrustStore] | None:
        data = self.path.read_bytes()
        digest = hashlib.sha256(data).digest()
        if digest == self._digest and self._store is not None:
            self._stamp, self._broken = stamp, None  # touched, rewritten with the same bytes, or restored
            return None
        store = TrustStore.from_bytes(data, str(self.path))
        old, self._store, self._stamp, self._digest, self._broken = self._store, store, stamp, digest, None
        return None if old is None else (old, store)

    def _fail(self, err: Exception) -> TrustStore:
        # One store object (and one log line) per broken version of the file, not one per scan.
        why = f"{self.path}: {err.strerror or err}" if isinstance(err, OSError) else str(err)
        if self._broken is None or self._broken.unreadable != why:
            self._broken = TrustStore(unreadable=why)
            log.error("trust store %s does not read; verifying nothing until it does: %s", self.path, why)
        return self._broken


def _recent(info: os.stat_result, window_ns: int) -> bool:
    """Whether the file changed so lately that a same-size rewrite could share its time stamps."""
    return time.time_ns() - max(info.st_mtime_ns, info.st_ctime_ns) < window_ns
