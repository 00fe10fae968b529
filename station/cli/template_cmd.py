"""`station template sign|verify`: sign a template bundle, check one (PROTOCOLS.md §6)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from .. import config as config_module
from ..errors import StationError
from .common import add_command, add_group, open_spool, print_json, trust_store_path

# The template machinery (reportlab, pypdf, zxing-cpp, cryptography) is imported by the commands
# that use it, not here: building the parser must stay cheap (render_cmd and seal_cmd import this).
if TYPE_CHECKING:
    from ..templates.versions import VersionLedger

VERSIONS_HELP = """\
Rollback guard: a bundle whose version is lower than one already accepted
is refused (reason: rollback). The highest accepted version of each template
is kept in the station's spool when a station configuration is found
(--config, $STATION_CONFIG, or ./station.toml), else in a JSON file beside
the trust store: --trust trust.json keeps it in trust.versions.json."""

SIGN_HELP = """\
Sign the template bundle in DIR with a template key: check the manifest
(template.toml) and everything it uses, hash every file in DIR, and write
DIR/SIGNATURE.json. The id and version signed are the manifest's own; raise
`version` in template.toml for every change that stations should take."""

VERIFY_HELP = f"""\
Verify the template bundle in DIR against the trust store: the signature by
an active template key, every file listed with its hash and nothing else in
the folder, the version not lower than one accepted before, and a manifest
that compiles. Exit 0: valid; exit 1: refused, with the reason word
(unsigned, malformed, unknown_key, revoked_key, bad_signature, key_window,
missing_file, unlisted_file, file_changed, rollback, invalid_template).

{VERSIONS_HELP}"""


def register(commands: argparse._SubParsersAction) -> None:
    """Add `station template ...`."""
    group = add_group(commands, "template", help="sign and verify template bundles")
    sign = add_command(group, "sign", help="sign a template bundle", description=SIGN_HELP, run=run_sign)
    sign.add_argument("dir", metavar="DIR", help="the bundle folder")
    sign.add_argument("--key", required=True, metavar="KEY.pem", help="template private key")
    verify = add_command(group, "verify", help="verify a template bundle", description=VERIFY_HELP,
                         run=run_verify)
    verify.add_argument("dir", metavar="DIR", help="the bundle folder")
    verify.add_argument("--trust", metavar="FILE",
                        help="trust store holding template keys (default: the station's, from the configuration)")
    verify.add_argument("--json", action="store_true", help="JSON instead of a line")


def version_ledger(args: argparse.Namespace, trust_path: str | Path) -> VersionLedger:
    """Where accepted template versions are kept: the station's spool, else beside the trust store."""
    from ..templates.versions import FileLedger, SpoolLedger

    explicit = getattr(args, "config", None) or os.environ.get(config_module.ENV_CONFIG)
    if explicit or config_module.resolve_path(None).exists():
        _, conn = open_spool(args)
        return SpoolLedger(conn)
    return FileLedger.beside(trust_path)


def refuse(err: StationError) -> int:
    """Print a refusal as one line with its reason word; exit status 1."""
    reason = getattr(err, "reason", "refused")
    detail = getattr(err, "detail", str(err))
    print(f"station: refused: {reason}: {detail}", file=sys.stderr)
    return 1


def run_sign(args: argparse.Namespace) -> int:
    """Check, hash and sign a bundle folder."""
    from ..templates import BundleRefused, InvalidTemplate, compile_template, sign_bundle
    from ..templates.bundle import VerifiedBundle, read_files
    from ..templates.manifest import MANIFEST_FILE, parse_manifest
    from station.trust.store import kid_of, load_private_key, public_raw

    folder = Path(args.dir)
    key = load_private_key(args.key)
    if not folder.is_dir():
        raise StationError(f"{folder} is not a folder")
    try:
        files = read_files(folder)
        if MANIFEST_FILE not in files:
            raise InvalidTemplate(f"{folder} has no {MANIFEST_FILE}")
        manifest = parse_manifest(files[MANIFEST_FILE])
        # Compile before signing: a template that cannot render is never signed.
        compile_template(VerifiedBundle(folder=folder, template=manifest.id, version=manifest.version,
                                        kid="", files=MappingProxyType(files), signature_sha256=""))
    except (BundleRefused, InvalidTemplate) as err:
        raise StationError(f"not signed: {err}", exit_code=1) from None
    signature = sign_bundle(folder, key, template=manifest.id, version=manifest.version)
    print(f"signed {manifest.id}@{manifest.version}: {len(signature.files)} files,"
          f" template key {kid_of(public_raw(key))}")
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Verify a bundle; 0 valid, 1 refused."""
    from ..templates import BundleRefused, InvalidTemplate, load_template
    from station.trust.store import TrustStore

    trust_path = trust_store_path(args, args.trust)
    trust = TrustStore.load(trust_path)
    ledger = version_ledger(args, trust_path)
    try:
        template = load_template(args.dir, trust, ledger=ledger)
    except (BundleRefused, InvalidTemplate) as err:
        if args.json:
            print_json({"valid": False, "reason": getattr(err, "reason", "invalid"), "detail": str(err)})
        return refuse(err)
    bundle = template.bundle
    if args.json:
        print_json({"valid": True, "template": bundle.ref, "files": len(bundle.files), "kid": bundle.kid})
    else:
        print(f"valid: {bundle.ref} ({len(bundle.files)} files, template key {bundle.kid})")
    return 0
