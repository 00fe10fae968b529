"""`station pdf verify`: what the station decides about an agency-signed PDF, and why."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, StationError
from .common import add_command, add_group, clock, load_config, print_json

if TYPE_CHECKING:
    from ..signedpdf import Verdict

DESCRIPTION = """\
Verify an agency-signed PDF exactly as the station does before printing it
(PROTOCOLS.md section 7.2): size, page and object limits; no encryption,
JavaScript or embedded files; a signature whose revision ends with its
%%EOF, followed by nothing but whitespace or validation data (the station
prints the signed revision alone); a signer whose chain reaches a CA of
the station's [pdf] ca_bundle, valid and not revoked (by the revocation
data embedded in the file; nothing is fetched) at the time of a trusted
RFC 3161 timestamp, else now (the signer's own /M is never trusted); a
document signer by [pdf] signer_oids, never a CA. Prints the decision and
the reason word, the signer, the signing time and the chain. Exit 0 when
accepted, 1 when refused."""


def register(commands: argparse._SubParsersAction) -> None:
    """Add `station pdf verify`."""
    group = add_group(commands, "pdf", help="agency-signed PDFs")
    verify = add_command(group, "verify", help="verify a signed PDF as the station would",
                         description=DESCRIPTION, run=run_verify)
    verify.add_argument("file", type=Path, metavar="FILE", help="the PDF")
    verify.add_argument("--ca-bundle", type=Path, metavar="PEM",
                        help="trust these CAs instead of the configuration's [pdf] ca_bundle")
    verify.add_argument("--json", action="store_true", help="the verdict as JSON")


def run_verify(args: argparse.Namespace) -> int:
    """Verify; 0 accepted, 1 refused."""
    from ..signedpdf import BundleFile, Limits, verify_pdf  # pyHanko only when verifying
    from ..signedpdf.signer_policy import DOCUMENT_SIGNING_OIDS
    from ..signedpdf.stage import limits_of

    try:
        cfg = load_config(args)
    except ConfigError:
        if args.ca_bundle is None:
            raise
        cfg = None  # a technician's laptop: a bundle given, no station configuration
    limits = limits_of(cfg) if cfg is not None else Limits()
    bundle_path = args.ca_bundle if args.ca_bundle is not None else cfg.path(cfg.pdf.ca_bundle)  # type: ignore[union-attr]
    bundle = BundleFile(bundle_path).current()
    try:
        with open(args.file, "rb") as handle:
            data = handle.read(limits.max_bytes + 1)  # one byte over says "too large" without reading it all
    except OSError as err:
        raise StationError(f"cannot read {args.file}: {err.strerror}") from None
    oids = tuple(cfg.pdf.signer_oids) if cfg is not None else DOCUMENT_SIGNING_OIDS
    verdict = verify_pdf(data, bundle, limits=limits, signer_oids=oids)
    if args.json:
        print_json(verdict.as_dict())
    else:
        _print(verdict, bundle.source if not bundle.empty else f"none ({bundle.source})", clock(args, cfg))
    return 0 if verdict.accepted else 1


def _print(verdict: Verdict, trusting: str, shown: Callable[[Any], str]) -> None:
    decision = "accepted" if verdict.accepted else f"refused: {verdict.reason}"
    print(f"{decision} ({verdict.message})")
    signed_at = None
    if verdict.signed_at is not None:  # only a trusted timestamp's time is used; the signer's own is only shown
        signed_at = shown(verdict.signed_at) + (" (trusted timestamp)" if verdict.timestamped else
                                                     " (declared by the signer, not trusted: checked at now)")
    printed = (f"the first {verdict.printed_size} bytes (the signed revision), sha256 {verdict.printed_sha256}"
               if verdict.printed_size is not None and verdict.printed_size != verdict.size else None)
    rows = [("signer", verdict.signer), ("signed at", signed_at), ("pages", verdict.pages),
            ("size", f"{verdict.size} bytes"), ("sha256", verdict.sha256), ("printed", printed),
            ("CA bundle", trusting)]
    for name, value in rows:
        if value is not None:
            print(f"  {name + ':':<11}{value}")
    if verdict.chain:
        print("  chain (signer first, as the signature carries it):")
        for number, link in enumerate(verdict.chain, 1):
            print(f"    {number}. {link.subject}")
            print(f"       issued by {link.issuer}; serial {link.serial}; valid {link.not_before} to {link.not_after}")
