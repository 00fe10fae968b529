"""`station sim backoffice`: the simulated back office (PROTOCOLS.md §7) in the foreground."""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path
from urllib.parse import urlparse

from station import config as config_module
from station.trust import store as trust
from station.errors import ConfigError, StationError

from .common import add_command

DESCRIPTION = """\
Serve a simulated agency back office: the station's documents feed and events
endpoint (bearer token per station), a page per citizen showing the pickup QR
as a phone would (http://HOST:PORT/), and an admin API for tests:
  GET  /sim/events            events received (once per document and event)
  GET  /sim/documents         approved documents, with token and PIN
  POST /sim/approve           {"count": N, "template": ..., "station": ..., "kind": "pdf"|"template"}
  GET  /sim/pdf-ca.pem        root of the CA that signs its PDFs (for a station's [pdf] ca_bundle)
  GET|PUT /sim/faults         misbehaviours, e.g. {"error_rate": 0.3, "down": true}
Documents are fictional: generated Indonesian names, NIK-shaped numbers,
addresses, businesses, for the templates found in the project's templates/.
With --pdf-ratio, that share of the documents are agency-signed PDFs (§7.2),
signed under a CA hierarchy made at start, with CRL or OCSP data embedded.

With --enroll and a station configuration, the station is set up to use it:
its [backoffice] token file is written and the issuer key is added to its
trust store (for simulated stations only).

Faults (--fault NAME=VALUE, repeatable; rates 0..1): error_rate, slow_seconds,
malformed_rate, bad_signature_rate, unknown_key_rate, malformed_document_rate,
duplicate_rate, conflict_rate, lost_reply_rate, down=true."""


def register_sim(group: argparse._SubParsersAction) -> None:
    """Add `station sim backoffice`."""
    parser = add_command(group, "backoffice", help="a simulated back office (documents, tokens, events)",
                         description=DESCRIPTION, run=run)
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default: %(default)s)")
    parser.add_argument("--port", type=int, help="port (default: the one in [backoffice] url, else 8700)")
    parser.add_argument("--station", action="append", metavar="ID",
                        help="station served (repeatable; default: the configured station)")
    parser.add_argument("--issuer-key", type=Path, metavar="FILE",
                        help="issuer private key (PEM); created when missing (default: a new key)")
    parser.add_argument("--enroll", action="store_true",
                        help="write the station's token file and trust the issuer key in its trust store")
    parser.add_argument("--documents", type=int, default=0, metavar="N", help="approve N documents at start")
    parser.add_argument("--fault", action="append", default=[], metavar="NAME=VALUE", help="a misbehaviour")
    parser.add_argument("--scan-url", metavar="URL",
                        help='where "scan at the station" posts {"token", "document"} (default: no button)')
    parser.add_argument("--pin-ratio", type=float, default=0.25, help="share of documents with a PIN")
    parser.add_argument("--pdf-ratio", type=float, default=0.0, help="share of documents sent as signed PDFs")
    parser.add_argument("--seed", type=int, help="random seed for the generated data")
    parser.add_argument("--templates", type=Path, metavar="DIR", help="templates folder (default: the project's)")


def run(args: argparse.Namespace) -> int:
    from simulators.backoffice import BackOffice, FaultError, Faults
    from simulators.backoffice.faults import parse_setting
    from simulators.backoffice.runner import serve_forever

    cfg = _station_config(args)
    stations = args.station or [cfg.station.id if cfg else "MPP-DEMO-01"]
    faults = Faults()
    try:
        for setting in args.fault:
            faults = faults.updated(parse_setting(setting))
    except FaultError as err:
        raise StationError(f"--fault: {err}") from None
    if not 0 <= args.pin_ratio <= 1 or not 0 <= args.pdf_ratio <= 1:
        raise StationError("--pin-ratio and --pdf-ratio must be between 0 and 1")
    tokens = {station: _token(cfg, station, args.enroll) for station in stations}
    office = BackOffice(_issuer_key(args.issuer_key), stations=tokens, templates_dir=args.templates, seed=args.seed,
                        faults=faults, scan_hook=args.scan_url, pin_ratio=args.pin_ratio,
                        pdf_ratio=args.pdf_ratio)
    if args.enroll:
        if cfg is None:
            raise StationError("--enroll needs a station configuration (--config FILE)")
        _trust_issuer(cfg, office.issuer_entry())
    port = args.port if args.port is not None else _configured_port(cfg)
    if args.documents:
        office.approve(args.documents)
    print(f"back office (simulated) on http://{args.host}:{port}/  issuer key {office.kid}")
    for station, bearer in tokens.items():
        print(f"  station {station}: bearer token {bearer}")
    print(f"  templates: {', '.join(office.forms)}; {len(office.approvals())} documents approved;"
          f" faults: {', '.join(f'{k}={v}' for k, v in faults.as_dict().items() if v) or 'none'}")
    serve_forever(office, host=args.host, port=port)
    return 0


def _station_config(args: argparse.Namespace) -> config_module.Config | None:
    """The station's configuration when there is one (it is optional here)."""
    explicit = getattr(args, "config", None)
    try:
        return config_module.load(config_module.resolve_path(explicit))
    except ConfigError:
        if explicit:
            raise
        return None


def _configured_port(cfg: config_module.Config | None) -> int:
    if cfg is None:
        return 8700
    return urlparse(cfg.backoffice.url).port or 8700


def _token(cfg: config_module.Config | None, station: str, enroll: bool) -> str:
    """The configured station's token from its file (written first with --enroll); others get a new one."""
    if cfg is None or station != cfg.station.id:
        return "sim-" + secrets.token_urlsafe(16)
    path = cfg.path(cfg.backoffice.token_file)
    assert path is not None
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    token = "sim-" + secrets.token_urlsafe(16)
    if enroll:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(token + "\n", encoding="utf-8")
        path.chmod(0o600)
    return token


def _issuer_key(path: Path | None) -> trust.Ed25519PrivateKey:
    if path is None:
        return trust.new_private_key()
    if not path.exists():
        trust.save_private_key(trust.new_private_key(), path)
    return trust.load_private_key(path)


def _trust_issuer(cfg: config_module.Config, entry: trust.TrustedKey) -> None:
    path = cfg.path(cfg.paths.trust_store)
    assert path is not None
    store = trust.TrustStore.load(path) if path.exists() else trust.TrustStore()
    if not any(k.kid == entry.kid and k.purpose == "issuer" for k in store.keys):
        store.with_key(entry).save(path)
        print(f"  trust store {path}: issuer key {entry.kid} added")
