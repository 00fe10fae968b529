"""`station audit ...`: verify and export the audit chain, sign checkpoints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from spool import audit

from station.trust import checkpoint as checkpoints
from station.trust.store import TrustStore, load_private_key
from .common import add_command, add_group, load_config, open_spool, print_json


def register(commands: argparse._SubParsersAction) -> None:
    group = add_group(commands, "audit", help="verify and export the audit chain")
    verifier = add_command(
        group, "verify", help="check the chain end to end",
        description="Recompute every hash of the audit chain. Exit 0 when intact; exit 1\n"
                    "when not, naming the first bad sequence number.\n\n"
                    "Then check the spool's own signed checkpoints: each signed by a trusted\n"
                    "station key, its row still in the chain with the same hash, and its own\n"
                    "record after it, so that rows cut off the end are detected too. With\n"
                    "--checkpoint FILE, also check each checkpoint in FILE (as the back office\n"
                    "keeps them): a spool restored from an old copy, or cut together with its\n"
                    "checkpoints, is caught by the newest one the back office holds.", run=run_verify)
    verifier.add_argument("--json", action="store_true", help="the verdict as JSON")
    verifier.add_argument("--checkpoint", type=Path, metavar="FILE",
                          help="checkpoint(s): one JSON object, a list, or JSON lines")
    verifier.add_argument("--trust", type=Path, metavar="FILE",
                          help="trust store for checkpoint signatures (default: the station's)")
    exporter = add_command(group, "export", help="entries as JSON lines",
                           description="Print audit entries as JSON lines, oldest first.", run=run_export)
    exporter.add_argument("--since", type=int, default=0, metavar="N",
                          help="only entries with a sequence number above N")
    add_command(group, "checkpoint", help="sign the chain's head now",
                description="Sign the chain's head with the station key, record it, and print it\n"
                            "as JSON (the daemon does this at intervals and sends it to the back office).",
                run=run_checkpoint)


def run_verify(args: argparse.Namespace) -> int:
    cfg, conn = open_spool(args, readonly=True)
    verdict = audit.verify(conn)
    report: dict[str, Any] = {"intact": verdict.ok, "entries": verdict.count, "head": verdict.head,
                              "broken_at": verdict.bad_seq, "reason": verdict.reason}
    lines = [f"audit chain BROKEN at sequence {verdict.bad_seq}: {verdict.reason}" if not verdict.ok
             else f"audit chain intact: {verdict.count} entries, head {verdict.head}"]
    if verdict.ok:
        report, lines = _checkpoints(cfg, conn, args, report, lines)
    if args.json:
        print_json(report)
    else:
        print("\n".join(lines))
    return 0 if report["intact"] else 1


def _checkpoints(cfg: Any, conn: Any, args: argparse.Namespace, report: dict[str, Any],
                 lines: list[str]) -> tuple[dict[str, Any], list[str]]:
    """The spool's own checkpoints, then those of `--checkpoint FILE`: a cut tail shows as rows missing under one."""
    outside = checkpoints.load(args.checkpoint) if args.checkpoint is not None else []
    if not outside and not checkpoints.stored(conn, cfg.station.id):
        return report, lines  # nothing signed yet: the chain alone
    store = TrustStore.load(args.trust or cfg.path(cfg.paths.trust_store))
    where = "its own stored checkpoints"
    try:
        own = checkpoints.verify_stored(conn, cfg.station.id, store)
        where = f"the checkpoints of {args.checkpoint}"
        for item in outside:
            checkpoints.verify(conn, item, store)
    except checkpoints.CheckpointError as err:
        report.update(intact=False, reason=f"checkpoint: {err}")
        return report, [f"audit chain CUT or changed: it does NOT match {where}: {err}"]
    if own or outside:
        newest = max(c.seq for c in [*own, *outside])
        report["checkpoints"] = {"stored": len(own), "outside": len(outside), "matched": len(own) + len(outside),
                                 "newest_seq": newest}
        lines.insert(0, f"audit chain matches {len(own)} stored and {len(outside)} outside checkpoint(s),"
                        f" newest at sequence {newest}")
    return report, lines


def run_export(args: argparse.Namespace) -> int:
    _, conn = open_spool(args, readonly=True)
    for entry in audit.entries(conn, since=args.since):
        sys.stdout.write(json.dumps(entry.to_json(), ensure_ascii=False, sort_keys=True) + "\n")
    return 0


def run_checkpoint(args: argparse.Namespace) -> int:
    cfg = load_config(args)
    key = load_private_key(cfg.path(cfg.paths.station_key))  # type: ignore[arg-type]
    _, conn = open_spool(args)
    print_json(checkpoints.make(conn, cfg.station.id, key).as_dict())
    return 0
