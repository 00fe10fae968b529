"""`station spool import FILE...`: documents from files, when the network to the back office is down.

The same checks as the back-office feed (strict §7 shape, issuer signature,
times), the same storage (one transaction per file; refusals recorded and
reported `held` through the outbox), but the back-office cursor is left
alone. Audited as the technician who ran it.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import spool
from spool import audit, refusals
from spool.states import Flow

from ..backoffice.refused_item import RefusedItem
from ..errors import StationError
from ..files import NotAPlainFile, read_capped
from .common import add_command, open_spool, print_json
from .shell import technician

# The back-office intake (httpx, cryptography) is imported by the functions that use it: building
# the parser must stay cheap.

# A back-office page of documents is a few hundred kilobytes; a file far larger is not one.
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DOCUMENTS_PER_FILE = 5000
SHOWN_REFUSALS = 20

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
    parser.add_argument("--actor", "--as", dest="actor", metavar="NAME",
                        help="technician name for the audit (default: login name)")
    parser.add_argument("--json", action="store_true", help="one JSON document with every file's result")


def read_items(path: Path) -> tuple[list[Any], bytes]:
    """The would-be documents in one file, and the bytes read; StationError when the file is not one of the
    three forms."""
    from ..backoffice import document
    from ..backoffice.document import DocumentRefused

    try:
        # One bounded read of the opened file: its checks are made on that descriptor, not on the path.
        data = read_capped(path, MAX_FILE_BYTES)
        value = document.loads(data)
    except NotAPlainFile as err:
        raise StationError(f"{err}: not a file of documents") from None
    except DocumentRefused as err:
        raise StationError(f"not a file of documents ({err.detail})") from None
    except FileNotFoundError:
        raise StationError("no such file") from None
    except OSError as err:
        raise StationError(f"cannot read: {err.strerror}") from None
    if isinstance(value, dict) and "documents" in value and set(value) <= {"documents", "cursor"}:
        if not isinstance(value["documents"], list):
            raise StationError('"documents" must be a list')
        value = value["documents"]
    items = value if isinstance(value, list) else [value] if isinstance(value, dict) else None
    if items is None:
        raise StationError('expected a document, a list of documents, or {"documents": [...]}')
    if len(items) > MAX_DOCUMENTS_PER_FILE:
        raise StationError(f"{len(items)} documents, over {MAX_DOCUMENTS_PER_FILE} in one file")
    return items, data


def run(args: argparse.Namespace) -> int:
    """`station spool import FILE...`."""
    from station.trust.store import TrustStore

    cfg, conn = open_spool(args)
    trust = TrustStore.load(cfg.path(cfg.paths.trust_store))  # type: ignore[arg-type]
    actor = technician(args.actor)
    reports = []
    try:
        for path in args.files:
            reports.append(_import_file(conn, path, trust, Flow(cfg.station.kind), actor, dry_run=args.dry_run,
                                        station=cfg.station.id))
    finally:
        conn.close()
    if args.json:
        print_json({"files": reports, "dry_run": args.dry_run})
    else:
        for report in reports:
            _print_report(report)
    return 1 if any(r["error"] or r["refused"] for r in reports) else 0


def _import_file(conn: Any, path: Path, trust: Any, flow: Flow, actor: str, *, dry_run: bool,
                 station: str | None = None) -> dict[str, Any]:
    """Check one file's documents, store the good ones, audit the refusals as one entry."""
    from ..backoffice import intake

    report: dict[str, Any] = {"file": str(path), "error": None, "documents": 0, "stored": [], "duplicates": [],
                              "refused": []}
    try:
        items, data = read_items(path)
    except StationError as err:
        report["error"] = str(err)
        return report
    checked = intake.check_items(items, trust)
    report["documents"] = len(checked)
    report["refused"] = [{"item": index + 1, "document": item.document_id, "reason": item.reason,
                          "why": _why(item)} for index, item in enumerate(checked) if isinstance(item, RefusedItem)]
    good = [item for item in checked if not isinstance(item, RefusedItem)]
    if dry_run:
        report["stored"], report["dry_run"] = [doc.id for doc in good], True
        return report
    with spool.write(conn):
        result = intake.store(conn, good, flow=flow, actor=actor, station=station)
        report["stored"], report["duplicates"] = result.stored, result.duplicates
        report["refused"] += [{"item": None, "document": r.document_id, "reason": r.reason, "why": _why(r)}
                              for r in result.refused]
        if report["refused"]:
            entry = audit.append(conn, actor, "import.refused", details={
                "file_sha256": hashlib.sha256(data).hexdigest(), "documents": len(checked), "refused": len(report["refused"]),
                "reasons": dict(Counter(r["reason"] for r in report["refused"]))})
            # Refused documents that name themselves are remembered (the ops page lists them); junk
            # without an id is only counted above. None is reported `held`: the file came from a
            # technician, not from the back office.
            for item in report["refused"]:
                if item["document"] and not refusals.recorded(conn, item["document"], item["reason"]):
                    refusals.record(conn, item["document"], item["reason"], entry.at)
    return report


def _why(item: RefusedItem) -> str:
    """The refusal's sentence without its reason word (the field at fault is named in it)."""
    return item.refusal.detail


def _print_report(report: dict[str, Any]) -> None:
    name = report["file"]
    if report["error"]:
        print(f"{name}: error: {report['error']}", file=sys.stderr)
        return
    refused = report["refused"]
    if report.get("dry_run"):
        print(f"{name}: {report['documents']} document(s): {len(report['stored'])} pass the checks"
              f" (dry run: nothing stored), {len(refused)} refused")
    else:
        print(f"{name}: {report['documents']} document(s): {len(report['stored'])} stored, "
              f"{len(report['duplicates'])} already there, {len(refused)} refused")
    for item in refused[:SHOWN_REFUSALS]:
        where = f"document {item['document']}" if item["document"] else f"item {item['item']}"
        print(f"{name}: {where}: {item['reason']}: {item['why']}", file=sys.stderr)
    if len(refused) > SHOWN_REFUSALS:
        print(f"{name}: ... and {len(refused) - SHOWN_REFUSALS} more refused (--json lists them all)",
              file=sys.stderr)
