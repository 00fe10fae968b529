"""`station seal verify`: check a document's seal from its QR text or from the PDF itself."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import StationError
from .common import add_command, add_group, print_json, trust_store_path
from .render_cmd import read_data

DESCRIPTION = """\
Verify a document seal (PROTOCOLS.md section 5): give the seal's text
(MPS1:...), or --pdf FILE.pdf to read it as a phone would from the paper
(first page rasterised with pdftoppm at 150 dpi, then scanned with
zxing-cpp). The seal must be signed by an active station key of the trust
store that is bound to the station the seal names (the key's "station").
Exit 0 and its fields as JSON when valid; exit 1 and the reason
(malformed, unknown_key, revoked_key, bad_signature, wrong_station,
key_window, not_yet_valid, data_mismatch) when not. With --data, the
document's data must also match the digest the seal carries; with
--station, the seal must name that station."""


def register(commands: argparse._SubParsersAction) -> None:
    """Add `station seal verify`."""
    group = add_group(commands, "seal", help="verify the seal printed on a document")
    verify = add_command(group, "verify", help="verify a seal", description=DESCRIPTION, run=run_verify)
    verify.add_argument("text", nargs="?", metavar="TEXT",
                        help="the seal's text (MPS1:...; quote it: it may hold spaces), or - to read it from"
                             " standard input")
    verify.add_argument("--pdf", metavar="FILE.pdf", help="read the seal from the PDF's first page")
    verify.add_argument("--trust", metavar="FILE",
                        help="trust store holding station keys (default: the station's, from the configuration)")
    verify.add_argument("--data", metavar="DATA.json", help="the document's data, to compare with the seal")
    verify.add_argument("--station", metavar="ID", help="the station the paper should come from")


def run_verify(args: argparse.Namespace) -> int:
    """Verify; 0 valid, 1 not."""
    from station.trust.seal import SealError, verify_seal  # cryptography only when verifying
    from station.trust.store import TrustStore

    if (args.text is None) == (args.pdf is None):
        raise StationError("give the seal TEXT or --pdf FILE.pdf (one of them)")
    trust = TrustStore.load(trust_store_path(args, args.trust))
    data = read_data(args.data) if args.data else None
    if data is not None and not isinstance(data, dict):
        raise StationError(f"{args.data} must hold an object of field -> text", exit_code=1)
    if args.pdf is not None:
        from ..templates.readback import read_seal  # poppler and zxing only when reading a PDF

        if not Path(args.pdf).is_file():
            raise StationError(f"no PDF at {args.pdf}")
        text = read_seal(args.pdf)
    elif args.text == "-":
        text = sys.stdin.read(4096).strip("\r\n")
    else:
        text = args.text
    try:
        verified = verify_seal(text, trust, data=data, station=args.station)
    except SealError as err:
        print(f"station: seal refused: {err.reason}: {err.detail}", file=sys.stderr)
        return 1
    print_json(verified.to_json())
    return 0
