"""`station render`: one document from a signed template, its data and the station key."""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from spool.audit import canonical_json

from ..errors import StationError
from ..files import write_atomic
from .common import add_command, from_config, trust_store_path
from .template_cmd import VERSIONS_HELP, refuse, version_ledger

MAX_DATA_BYTES = 1024 * 1024

DESCRIPTION = f"""\
Render one document: verify the template bundle (as `station template
verify` does), check the data against the template (every field text only;
missing, unknown, or unsuitable fields are refused, naming the field), set
the text, sign the seal QR with the station key, and write the PDF
atomically. Nothing is written when anything is refused (exit 1).

DATA.json is an object of field -> text, for instance templates/examples/
akta-kelahiran.json. The document id defaults to one derived from the data.

{VERSIONS_HELP}"""


def register(commands: argparse._SubParsersAction) -> None:
    """Add `station render`."""
    parser = add_command(commands, "render", help="render a document from a signed template",
                         description=DESCRIPTION, run=run)
    parser.add_argument("--template", required=True, metavar="DIR", help="signed template bundle folder")
    parser.add_argument("--data", required=True, metavar="DATA.json", help="the document's field data")
    parser.add_argument("--trust", metavar="FILE",
                        help="trust store holding template keys (default: the station's, from the configuration)")
    parser.add_argument("--station-key", metavar="KEY.pem",
                        help="station private key for the seal (default: the configuration's)")
    parser.add_argument("--station", metavar="ID", help="station id, the seal's issuer (default: the configuration's)")
    parser.add_argument("--out", required=True, metavar="FILE.pdf", help="where to write the PDF")
    parser.add_argument("--document-id", metavar="ID", help="document id (default: derived from the data)")
    parser.add_argument("--at", metavar="TIME", help="RFC 3339 creation time (default: now)")


def read_data(path: str | Path) -> Any:
    """A document's data file: JSON, no key twice, at most 1 MiB."""
    # Here, not at the top: the templates package loads reportlab, pypdf and zxing-cpp.
    from ..templates import FieldError

    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StationError(f"no data file at {path}") from None
    except OSError as err:
        raise StationError(f"cannot read {path}: {err.strerror}") from None
    if len(raw) > MAX_DATA_BYTES:
        raise StationError(f"{path} is larger than {MAX_DATA_BYTES} bytes", exit_code=1)

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        twice = sorted({k for k in keys if keys.count(k) > 1})
        if twice:
            raise FieldError(twice[0], "duplicate", "appears twice in the data")
        return dict(pairs)

    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise StationError(f"{path} is not JSON: {err}", exit_code=1) from None


def run(args: argparse.Namespace) -> int:
    """Render and write one document."""
    # Imported here, not at the top: building the parser must not load reportlab, pypdf or zxing-cpp.
    from ..templates import BundleRefused, FieldError, InvalidTemplate, load_template, render_document
    from station.trust.store import TrustStore, load_private_key, parse_time

    trust_path = trust_store_path(args, args.trust)
    trust = TrustStore.load(trust_path)
    station_key = load_private_key(from_config(args, args.station_key, "--station-key KEY.pem",
                                               lambda cfg: cfg.path(cfg.paths.station_key)))
    args.station = from_config(args, args.station, "--station ID", lambda cfg: cfg.station.id)
    now = parse_time(args.at, "--at") if args.at else None
    ledger = version_ledger(args, trust_path)
    try:
        data = read_data(args.data)
        template = load_template(args.template, trust, ledger=ledger)
        document_id = args.document_id or _derived_id(data)
        rendered = render_document(template, data, document_id=document_id, station_id=args.station,
                                   station_key=station_key, now=now)
    except (BundleRefused, InvalidTemplate, FieldError) as err:
        return refuse(err)
    write_atomic(Path(args.out), rendered.pdf, mode=0o600)  # personal data: the owner only
    pages = "page" if rendered.pages == 1 else "pages"
    print(f"rendered {document_id} ({template.ref}, {rendered.pages} {pages}) -> {args.out}")
    print(f"  sha256 {rendered.sha256}")
    return 0


def _derived_id(data: Any) -> str:
    """A stable id for a document rendered by hand: `local-` and 16 hex digits of its data's hash."""
    try:
        digest = hashlib.sha256(canonical_json(data)).hexdigest()
    except (TypeError, ValueError, UnicodeEncodeError):
        digest = "0" * 16
    return f"local-{digest[:16]}"
