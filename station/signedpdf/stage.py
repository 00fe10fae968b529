"""The render stage's part for agency-signed PDFs: check, verify, then write the bytes unchanged.

Runs in the render worker process. Nothing is drawn and nothing added (the
station's seal is for what it renders itself): the file written is the
revision the agency signed, byte for byte (validation data appended after
the signature is not kept), with its SHA-256 and page count; the print
stage checks that SHA-256 again before it sends the file. A refusal is a reason word from `verdict.REASONS`; the render
stage holds the job with it and the back office hears `held`.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import spool
from spool import alarms

from ..backoffice import pdf_form
from ..config import Config
from ..errors import ConfigError
from ..files import write_atomic
from .cabundle import BundleFile
from .limits import Limits
from .verify import verify_pdf

log = logging.getLogger("station.signedpdf")

_bundles: dict[Path | None, BundleFile] = {}


def limits_of(cfg: Config) -> Limits:
    """The `[pdf]` limits of a station's configuration."""
    return Limits(max_bytes=cfg.pdf.max_bytes, max_pages=cfg.pdf.max_pages, max_objects=cfg.pdf.max_objects)


def bundle_file(cfg: Config) -> BundleFile:
    """The station's CA bundle (one reader per path and process, re-reading the file when it changes)."""
    path = cfg.path(cfg.pdf.ca_bundle)
    if path not in _bundles:
        _bundles[path] = BundleFile(path)
    return _bundles[path]


def accept(document: dict[str, Any], cfg: Config, path: Path) -> dict[str, Any]:
    """Verify a stored §7.2 document's PDF and write it to `path`.

    Returns `{"path", "sha256", "pages"}`, or `{"refused": reason}`; never
    raises for what the document holds.
    """
    try:
        data = pdf_form.decoded(document)
    except (KeyError, TypeError, ValueError):
        return {"refused": "pdf_malformed"}
    if hashlib.sha256(data).hexdigest() != document.get("sha256"):
        return {"refused": "pdf_digest_mismatch"}
    try:
        bundle = bundle_file(cfg).current()
    except ConfigError as err:
        _alarm(cfg, "pdf.ca_bundle_unreadable", f"signed PDFs are held: {err}")
        return {"refused": "pdf_untrusted_signer"}
    verdict = verify_pdf(data, bundle, limits=limits_of(cfg), signer_oids=tuple(cfg.pdf.signer_oids))
    if bundle.empty:
        _alarm(cfg, "pdf.no_ca_bundle", "a signed PDF came and no CA is trusted for signed PDFs:"
                                        " set [pdf] ca_bundle in the station's configuration")
    if not verdict.accepted:
        log.info("signed PDF refused: %s", verdict.reason)
        return {"refused": verdict.reason}
    signed = data[:verdict.printed_size]
    if verdict.printed_size is None or hashlib.sha256(signed).hexdigest() != verdict.printed_sha256:
        return {"refused": "pdf_modified"}  # cannot happen: the verdict names the bytes it verified
    write_atomic(path, signed, mode=0o600)
    return {"path": str(path), "sha256": verdict.printed_sha256, "pages": verdict.pages}


def _alarm(cfg: Config, kind: str, message: str) -> None:
    """Tell a person (alarms deduplicate: one open alarm however many PDFs are held)."""
    conn = spool.connect(cfg.spool_path)
    try:
        alarms.raise_alarm(conn, kind, message[:300], severity="warning", device="pdf")
    finally:
        conn.close()
