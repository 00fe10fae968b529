"""`station keys`: make Ed25519 keys and keep a trust store (PROTOCOLS.md §3)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import StationError
from station.trust.store import (
    PURPOSES,
    TrustedKey,
    TrustStore,
    TrustStoreError,
    entry_for,
    format_time,
    new_private_key,
    parse_time,
    save_private_key,
)
from .common import add_command, add_group, clock, print_json, print_table, trust_store_path

NEW_HELP = """\
Make a new Ed25519 key for one purpose:
  issuer    signs pickup tokens and documents (the back office)
  template  signs template bundles
  station   signs the seal printed on each document

Writes DIR/NAME.pem (the private key, PEM PKCS#8, mode 0600, never
overwritten) and DIR/NAME.public.json (its trust-store entry: kid, purpose,
public key, signing window). Give the entry to every station that must trust
the key: station keys trust add DIR/NAME.public.json --store trust.json"""

ADD_HELP = """\
Add a public key entry (as `station keys new` writes it, or a whole trust
store's "keys") to the trust store FILE; FILE is created when missing."""

REVOKE_HELP = """\
Mark every key with this kid revoked in the trust store FILE. A revoked key
verifies nothing from then on: tokens, bundles and seals it signed are
refused (reason revoked_key)."""


def register(commands: argparse._SubParsersAction) -> None:
    """Add `station keys ...`."""
    keys = add_group(commands, "keys", help="make keys, add and revoke trusted public keys")
    new = add_command(keys, "new", help="make a new key pair", description=NEW_HELP, run=run_new)
    new.add_argument("--purpose", required=True, choices=PURPOSES, help="what the key signs")
    new.add_argument("--out", required=True, metavar="DIR", help="folder for the key files")
    new.add_argument("--name", help="file name stem (default: the purpose)")
    new.add_argument("--valid-days", type=float, default=365, metavar="DAYS",
                     help="how long the key may sign (default: %(default)s)")
    new.add_argument("--grace-days", type=float, default=90, metavar="DAYS",
                     help="how long after that its signatures still verify (default: %(default)s)")
    new.add_argument("--sign-from", metavar="TIME", help="RFC 3339 start of the signing window (default: now)")
    new.add_argument("--station", metavar="ID", help="a station key: the station id its seals speak for")

    trust = add_group(keys, "trust", help="the trust store: add, revoke, list")
    add = add_command(trust, "add", help="trust a public key", description=ADD_HELP, run=run_add)
    add.add_argument("entry", metavar="ENTRY.json", help="public key entry file")
    add.add_argument("--store", metavar="FILE", help="trust store file (default: the station's)")
    revoke = add_command(trust, "revoke", help="revoke a key", description=REVOKE_HELP, run=run_revoke)
    revoke.add_argument("kid", metavar="KID", help="key id (16 hex digits)")
    revoke.add_argument("--store", metavar="FILE", help="trust store file (default: the station's)")
    listing = add_command(trust, "list", help="list the trusted keys", run=run_list)
    listing.add_argument("--store", metavar="FILE", help="trust store file (default: the station's)")
    listing.add_argument("--json", action="store_true", help="JSON instead of a table")


def run_new(args: argparse.Namespace) -> int:
    """Write a new key pair."""
    folder = Path(args.out)
    stem = args.name or args.purpose
    if not stem.replace("-", "").replace("_", "").isalnum():
        raise StationError("--name may hold letters, digits, - and _ only")
    if args.valid_days <= 0 or args.grace_days < 0:
        raise StationError("--valid-days must be positive and --grace-days not negative")
    sign_from = parse_time(args.sign_from, "--sign-from") if args.sign_from else datetime.now(UTC)
    pem, public = folder / f"{stem}.pem", folder / f"{stem}.public.json"
    if public.exists():
        raise StationError(f"{public} already exists: refusing to overwrite")
    key = new_private_key()
    entry = entry_for(key, args.purpose, sign_from=sign_from, valid_days=args.valid_days,
                      verify_grace_days=args.grace_days, station=args.station)
    save_private_key(key, pem)
    public.write_text(json.dumps(entry.to_entry(), indent=2) + "\n", encoding="utf-8")
    print(f"{args.purpose} key {entry.kid}")
    print(f"  private key: {pem} (mode 0600; keep it secret)")
    shown = clock(args)
    print(f"  public entry: {public} (signs {shown(entry.sign_from)} .. {shown(entry.sign_until)})")
    return 0


def _load_or_empty(path: Path) -> TrustStore:
    return TrustStore.load(path) if path.exists() else TrustStore()


def _entries(path: Path) -> list[Any]:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StationError(f"no key entry file at {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise TrustStoreError(f"{path} is not readable JSON: {err}") from None
    if isinstance(body, dict) and isinstance(body.get("keys"), list):
        return body["keys"]
    return [body]


def run_add(args: argparse.Namespace) -> int:
    """Add entries to a trust store."""
    store_path = Path(trust_store_path(args, args.store, "--store FILE"))
    store = _load_or_empty(store_path)
    for index, entry in enumerate(_entries(Path(args.entry))):
        key = TrustedKey.from_entry(entry, f"{args.entry}[{index}]")
        store = store.with_key(key)
        print(f"trusted {key.purpose} key {key.kid} ({key.status})")
    store.save(store_path)
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    """Revoke a kid."""
    store_path = Path(trust_store_path(args, args.store, "--store FILE"))
    store = TrustStore.load(store_path).with_revoked(args.kid)
    store.save(store_path)
    print(f"revoked key {args.kid} in {store_path}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    """Show the keys of a trust store."""
    store = TrustStore.load(Path(trust_store_path(args, args.store, "--store FILE")))
    if args.json:
        print_json([{"kid": k.kid, "purpose": k.purpose, "status": k.status,
                     **{name: format_time(t) if t else None for name, t in
                        (("sign_from", k.sign_from), ("sign_until", k.sign_until), ("verify_until", k.verify_until))}}
                    for k in store.keys])
        return 0
    shown = clock(args)
    print_table(["kid", "purpose", "status", "sign_from", "sign_until", "verify_until"],
                [[k.kid, k.purpose, k.status] + [shown(t) for t in
                                                 (k.sign_from, k.sign_until, k.verify_until)]
                 for k in store.keys])
    return 0
