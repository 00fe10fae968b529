"""Signed template bundles (PROTOCOLS.md §6): sign a folder, verify it, keep the bytes verified.

A bundle is a folder: `template.toml`, its assets and `SIGNATURE.json`,
which lists the SHA-256 of every other file and carries a template key's
Ed25519 signature over `"MPP1/template\\n"` followed by the canonical JSON
of `{"files", "template", "version"}`. Verifying reads every file into
memory once, checks it, and hands back those very bytes: the station
renders from what it verified, never from a second read of the disk.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from spool.audit import canonical_json

from ..errors import Refused, StationError
from ..files import NotAPlainFile, read_capped, write_atomic
from station.trust.store import TrustError, TrustStore, format_time, kid_of, public_raw
from .manifest import TEMPLATE_ID

SIGNATURE_FILE = "SIGNATURE.json"
SIGNING_DOMAIN = b"MPP1/template\n"
MAX_FILES = 256
MAX_FILE_BYTES = 32 * 1024 * 1024
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
MAX_SIGNATURE_BYTES = 256 * 1024

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_KID = re.compile(r"^[0-9a-f]{16}$")

# Reasons a bundle is refused, as machine words.
REASONS = ("unsigned", "malformed", "unknown_key", "revoked_key", "bad_signature", "key_window",
           "missing_file", "unlisted_file", "file_changed", "rollback", "invalid_template", "trust_store_unreadable")


class BundleRefused(Refused):
    """A bundle does not verify; `reason` is one of REASONS."""


@dataclass(frozen=True)
class Signature:
    """The content of SIGNATURE.json."""

    template: str
    version: int
    files: Mapping[str, str]
    kid: str
    signature: bytes

    def message(self) -> bytes:
        """The exact bytes the template key signs."""
        return signing_message(self.template, self.version, self.files)

    def to_json(self) -> bytes:
        """SIGNATURE.json as written to disk."""
        body = {"template": self.template, "version": self.version, "files": dict(sorted(self.files.items())),
                "kid": self.kid, "signature": base64.b64encode(self.signature).decode("ascii")}
        return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def parse(cls, data: bytes) -> Signature:
        """Read SIGNATURE.json strictly; BundleRefused('malformed') for anything off."""
        def refuse(why: str) -> BundleRefused:
            return BundleRefused("malformed", f"{SIGNATURE_FILE}: {why}")

        def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
            keys = [k for k, _ in pairs]
            if len(keys) != len(set(keys)):
                raise refuse("a key appears twice")
            return dict(pairs)

        try:
            body = json.loads(data.decode("utf-8"), object_pairs_hook=no_duplicates)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
            raise refuse(f"not JSON ({err})") from None
        if not isinstance(body, dict) or set(body) != {"template", "version", "files", "kid", "signature"}:
            raise refuse("expected exactly template, version, files, kid and signature")
        template, version, files = body["template"], body["version"], body["files"]
        if not isinstance(template, str) or not re.match(TEMPLATE_ID, template):
            raise refuse("template must be a template id")
        if type(version) is not int or version < 1:
            raise refuse("version must be a positive integer")
        if not isinstance(files, dict) or not files:
            raise refuse("files must be an object of path -> sha256")
        for path, digest in files.items():
            check_path(path)
            if path == SIGNATURE_FILE or not isinstance(digest, str) or not _HEX64.match(digest):
                raise refuse(f"files[{path!r}] must be a lower-case SHA-256 hex digest")
        kid = body["kid"]
        if not isinstance(kid, str) or not _KID.match(kid):
            raise refuse("kid must be 16 lower-case hex digits")
        try:
            signature = base64.b64decode(body["signature"], validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise refuse("signature is not base64") from None
        if len(signature) != 64:
            raise refuse("signature must be 64 bytes")
        return cls(template=template, version=version, files=MappingProxyType(dict(files)), kid=kid,
                   signature=signature)


@dataclass(frozen=True)
class VerifiedBundle:
    """A bundle whose every byte verified: render from `files`, never from the folder again."""

    folder: Path
    template: str
    version: int
    kid: str
    files: Mapping[str, bytes]
    signature_sha256: str

    def __repr__(self) -> str:
        return f"VerifiedBundle({self.ref}, {len(self.files)} files, kid {self.kid})"

    @property
    def ref(self) -> str:
        """`akta-kelahiran@3`: the template id and version, as the seal names them."""
        return f"{self.template}@{self.version}"


def signing_message(template: str, version: int, files: Mapping[str, str]) -> bytes:
    """`"MPP1/template\\n"` followed by the canonical JSON of files, template and version."""
    return SIGNING_DOMAIN + canonical_json({"files": dict(files), "template": template, "version": version})


def check_path(path: Any) -> str:
    """A bundle file path: relative, `/`-separated, no `.` or `..` parts, printable."""
    if (not isinstance(path, str) or not path or path.startswith("/") or "\\" in path
            or any(part in ("", ".", "..") for part in path.split("/"))
            or not path.isprintable() or len(path) > 255):
        raise BundleRefused("malformed", f"bad file path {path!r} (relative, '/'-separated, printable)")
    return path


def read_files(folder: Path) -> dict[str, bytes]:
    """Every regular file of a bundle folder but SIGNATURE.json, by relative path."""
    files: dict[str, bytes] = {}
    total = 0

    def walk(directory: Path, prefix: str) -> None:
        nonlocal total
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as err:
            raise BundleRefused("malformed", f"cannot list {directory}: {err.strerror}") from None
        for entry in entries:
            rel = prefix + entry.name
            try:
                rel.encode("utf-8")
            except UnicodeEncodeError:
                raise BundleRefused("malformed", f"file name {rel!r} is not UTF-8") from None
            if entry.is_symlink():
                raise BundleRefused("malformed", f"{rel} is a symbolic link; a bundle holds only plain files")
            if entry.is_dir(follow_symlinks=False):
                walk(Path(entry.path), rel + "/")
                continue
            if not entry.is_file(follow_symlinks=False):
                raise BundleRefused("malformed", f"{rel} is not a plain file")
            if rel == SIGNATURE_FILE:
                continue
            check_path(rel)
            if len(files) >= MAX_FILES:
                raise BundleRefused("malformed", f"more than {MAX_FILES} files")
            data = _read_plain(Path(entry.path), rel, MAX_FILE_BYTES)
            total += len(data)
            if total > MAX_BUNDLE_BYTES:
                raise BundleRefused("malformed", f"bundle larger than {MAX_BUNDLE_BYTES} bytes")
            files[rel] = data

    walk(folder, "")
    return files


def _read_plain(path: Path, rel: str, limit: int) -> bytes:
    """A regular file's bytes, never following a link, at most `limit` bytes."""
    try:
        return read_capped(path, limit, follow=False)
    except NotAPlainFile as err:
        raise BundleRefused("malformed", f"{rel}: {err}") from None
    except OSError as err:
        raise BundleRefused("malformed", f"cannot open {rel}: {err.strerror}") from None


def sign_bundle(folder: str | Path, key: Ed25519PrivateKey, *, template: str, version: int) -> Signature:
    """List and hash every file of the folder, sign, and write SIGNATURE.json atomically."""
    folder = Path(folder)
    if not folder.is_dir():
        raise StationError(f"{folder} is not a folder")
    files = read_files(folder)
    if not files:
        raise StationError(f"{folder} holds no files to sign")
    hashes = {path: hashlib.sha256(data).hexdigest() for path, data in files.items()}
    message = signing_message(template, version, hashes)
    signature = Signature(template=template, version=version, files=MappingProxyType(hashes),
                          kid=kid_of(public_raw(key)), signature=key.sign(message))
    write_atomic(folder / SIGNATURE_FILE, signature.to_json())
    return signature


def verify_bundle(folder: str | Path, trust: TrustStore, *, now: datetime | None = None) -> VerifiedBundle:
    """Verify a bundle's signature and every file; BundleRefused with the reason otherwise.

    A template key counts when it is active, `now` is not before its
    `sign_from` and is before its `verify_until` (SIGNATURE.json carries no
    signing time, so the signing window is judged at verification time).
    """
    folder = Path(folder)
    now = now or datetime.now(UTC)
    if not folder.is_dir():
        raise BundleRefused("malformed", f"{folder} is not a folder")
    signature_path = folder / SIGNATURE_FILE
    if signature_path.is_symlink():
        raise BundleRefused("malformed", f"{SIGNATURE_FILE} is a symbolic link")
    if not signature_path.exists():
        raise BundleRefused("unsigned", f"no {SIGNATURE_FILE} in {folder}: the bundle is not signed")
    raw_signature = _read_plain(signature_path, SIGNATURE_FILE, MAX_SIGNATURE_BYTES)
    signature = Signature.parse(raw_signature)
    try:
        good = trust.check_signature(signature.kid, "template", signature.message(), signature.signature)
    except TrustError as err:
        raise BundleRefused(err.reason, str(err)) from None
    if not any((k.sign_from is None or now >= k.sign_from) and (k.verify_until is None or now < k.verify_until)
               for k in good):
        raise BundleRefused("key_window", f"template key {signature.kid} is not valid at {format_time(now)}")

    files = read_files(folder)
    for path in sorted(signature.files):
        if path not in files:
            raise BundleRefused("missing_file", f"{path} is listed in {SIGNATURE_FILE} but missing")
    for path in sorted(files):
        if path not in signature.files:
            raise BundleRefused("unlisted_file", f"{path} is not listed in {SIGNATURE_FILE}")
    for path, data in files.items():
        if hashlib.sha256(data).hexdigest() != signature.files[path]:
            raise BundleRefused("file_changed", f"{path} does not match its signed SHA-256")
    return VerifiedBundle(folder=folder, template=signature.template, version=signature.version,
                          kid=signature.kid, files=MappingProxyType(files),
                          signature_sha256=hashlib.sha256(raw_signature).hexdigest())
