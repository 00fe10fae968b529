"""`station spool import FILE...`: documents from files, when the network to the back office is down.

The same checks as the back-office feed (strict §7 shape, issuer signature,
times), the same storage (one transaction per file; refusals recorded and
reported `held` through the outbox), but the back-office cursor is left
alone. Audited as the technician who ran it.
"""

from __future__ import annotations

import argparse
import getpass
import re
from pathlib import Path
from typing import Any

from spool.states import Flow

from ..errors import StationError
from .common import add_command, open_spool

# The back-office intake (httpx, cryptography) is imported by the functions that use it: building
# the parser must stay cheap.

MAX_FILE_BYTES = 64 * 1024 * 1024

DESCRIPTION = """\
Take approved documents from files, in the back office's form (PROTOCOLS.md
section 7), for when the network to the back office is down. A file holds
one document, a list of documents, or {"documents": [...]} (a saved reply of
the back office). Each document is checked as if it came from the back
office: shape, issuer signature (trust store), times. Good ones become jobs
in `received`; refused ones are recorded with their reason and reported to
the back office as `held` once it is reachable. The same document twice is
taken once.

Prints one line per file; exit 0 when every document was taken (or was
there already), 1 when any was refused or a file could not be read."""


def register(group: argparse._SubParsersAction) -> None:
    """Add `import` to the `station spool` group."""
    parser = add_command(group, "import", help="take approved documents from files (network down)",
                         description=DESCRIPTION, run=run)
    parser.add_argument("files", metavar="FILE", nargs="+", type=Path, help="JSON file(s) of documents")
    parser.add_argument("--dry-run", action="store_true", help="check and report only; store nothing")
    parser.add_argument("--actor", metavar="NAME", help="technician name for the audit (default: login name)")


def technician(name: str | None) -> str:
    """The audit actor `technician:NAME` (login name by default)."""
    if name is None:
        try:
            name = getpass.getuser()
        except (KeyError, OSError):
            name = "unknown"
    cleaned = re.sub(r"[^A-Za-z0-9._@-]", "-", name)[:64] or "unknown"
    return f"technician:{cleaned}"


def read_items(path: Path) -> list[Any]:
    """The would-be documents in one file; StationError when the file is not one of the three forms."""
    from ..backoffice import document
    from ..backoffice.document import DocumentRefused

    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise StationError(f"{size} bytes, over {MAX_FILE_BYTES}")
        value = document.loads(path.read_bytes())
    except DocumentRefused as err:
        raise StationError(f"not JSON: {err}") from None
    except FileNotFoundError:
        raise StationError("no such file") from None
    except OSError as err:
        raise StationError(f"cannot read: {err.strerror}") from None
    if isinstance(value, list):
        return value
    if isinstance(value, dict) and "documents" in value and set(value) <= {"documents", "cursor"}:
        if not isinstance(value["documents"], list):
            raise StationError('"documents" must be a list')
        return value["documents"]
    if isinstance(value, dict):
        return [value]
    raise StationError('expected a document, a list of documents, or {"documents": [...]}')


def run(args: argparse.Namespace) -> int:
    from ..backoffice import intake
    from ..trust import TrustStore

    cfg, conn = open_spool(args)
    trust = TrustStore.load(cfg.path(cfg.paths.trust_store))  # type: ignore[arg-type]
    actor = technician(args.actor)
    flow = Flow(cfg.station.kind)
    failed = False
    for path in args.files:
        try:
            items = read_items(path)
        except StationError as err:
            print(f"{path}: error: {err}")
            failed = True
            continue
        if args.dry_run:
            checked = intake.check_items(items, trust)
            result = intake.IntakeResult(refused=[c for c in checked if isinstance(c, intake.Refusal)])
            print(f"{path}: {len(checked) - len(result.refused)} pass the checks, {result.refusals()}"
                  " (dry run: nothing stored)")
        else:
            result = intake.take(conn, items, trust, flow=flow, actor=actor)
            print(f"{path}: {result.summary()}")
        failed = failed or bool(result.refused)
    conn.close()
    return 1 if failed else 0
