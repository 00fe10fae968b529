"""`station fleet serve`: the command center for a fleet of stations watched by Prometheus."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import StationError
from ..fleet.words import DEFAULT_ZONE, ZONE_NAMES
from ..runtime.roles import Role
from .common import add_command, add_group

DESCRIPTION = """\
Serve the command-center page: every station on one screen (up or down,
printer, lock bus, free slots, documents waiting and about to expire, open
alarms, firing alerts), built from Prometheus's HTTP API, with a link to each
station's own operations page. It also takes Alertmanager's webhooks
(POST /alerts/on-call, /alerts/ops-desk, /alerts/command-center; see
deploy/prometheus/alertmanager.yml) and lists the latest notifications.

The webhook takes only Alertmanager's calls: the secret in
--webhook-secret-file, sent as the receivers' http_config says (bearer
credentials_file, or basic_auth as user "alertmanager" with that password),
and only application/json. Without the file no webhook is taken.

Off loopback it serves HTTPS only (--tls-cert and --tls-key): the secret and
the page never cross the network in clear.

Staff acknowledge and silence alerts from the page (through Alertmanager's
API: give --alertmanager) with a token from --staff-file: an operator may
acknowledge (one hour), a technician may also silence (15 minutes to 24 hours)
and lift a silence. `station fleet staff-add NAME --role ROLE --staff-file FILE`
adds a member and prints the token once; the file holds only its hash.

Times on the page are local with their zone (WIB, WITA, WIT): a notification
in its station's province's zone, the page's clock in --zone.

Prometheus finds the stations through deploy/prometheus/stations.json (file_sd).
Nothing else is configured here: the page reads what Prometheus knows."""


def register(commands: argparse._SubParsersAction) -> None:
    """Add `station fleet serve`."""
    group = add_group(commands, "fleet", help="the command center for many stations (Prometheus)")
    parser = add_command(group, "serve", help="serve the command-center page", description=DESCRIPTION, run=run)
    parser.add_argument("--prometheus", default="http://127.0.0.1:9090", metavar="URL",
                        help="Prometheus to ask (default: %(default)s)")
    parser.add_argument("--alertmanager", metavar="URL",
                        help="Alertmanager, where acknowledgements and silences go (optional)")
    parser.add_argument("--staff-file", type=Path, metavar="FILE",
                        help="who may acknowledge and silence (station fleet staff-add); without it, nobody")
    parser.add_argument("--zone", default=DEFAULT_ZONE, choices=sorted(ZONE_NAMES),
                        help="the command center's own time zone (default: %(default)s, WIB)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=9099, help="port (default: %(default)s, where the shipped"
                        " alertmanager.yml sends its webhooks)")
    parser.add_argument("--webhook-secret-file", type=Path, metavar="FILE",
                        help="the secret Alertmanager sends (its receivers' credentials_file / password_file)")
    parser.add_argument("--tls-cert", type=Path, metavar="PEM", help="HTTPS certificate (with its chain)")
    parser.add_argument("--tls-key", type=Path, metavar="PEM", help="HTTPS private key")
    add = add_command(group, "staff-add", help="let a staff member act on the command center; prints the token once",
                      description="Append NAME with ROLE to the staff file (only the token's hash is kept) and "
                                  "print the token. An operator may acknowledge alerts; a technician may also "
                                  "silence them and lift silences.", run=run_staff_add)
    add.add_argument("name", help="the member's name (lower case: rina, budi.s)")
    add.add_argument("--role", required=True, choices=[r.word for r in Role], help="what they may do")
    add.add_argument("--staff-file", type=Path, required=True, metavar="FILE", help="the command center's staff file")


def run_staff_add(args: argparse.Namespace) -> int:
    """Add one member; the token goes to stdout, once."""
    from ..fleet.staff import Staff

    print(Staff.add(args.staff_file, args.name, Role[args.role.upper()]))
    return 0


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM."""
    import uvicorn

    from ..fleet.app import create_app
    from ..fleet.staff import Staff
    from ..fleet.webhook import WebhookCredential
    from ..web.serve import bind

    if not args.prometheus.startswith(("http://", "https://")):
        raise StationError(f"--prometheus must be an http(s) URL, not {args.prometheus!r}")
    tls = _tls(args)
    webhook = WebhookCredential.from_file(args.webhook_secret_file) if args.webhook_secret_file else None
    scheme = "https" if tls else "http"
    sock = bind(args.host, args.port)  # bound here: --port 0 works, and the line below names the real port
    port = sock.getsockname()[1]
    print(f"command center on {scheme}://{args.host}:{port}/ (Prometheus: {args.prometheus}; webhooks: "
          f"{'with the secret' if webhook else 'off, no --webhook-secret-file'})", flush=True)
    staff = Staff.from_file(args.staff_file) if args.staff_file else None
    app = create_app(args.prometheus, alertmanager=args.alertmanager, webhook=webhook, staff=staff, zone=args.zone)
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, **tls)).run(sockets=[sock])
    return 0


def _tls(args: argparse.Namespace) -> dict[str, str]:
    """uvicorn's TLS options; plain HTTP only on loopback, as the station's own web app."""
    from ..web.serve import is_loopback

    if (args.tls_cert is None) != (args.tls_key is None):
        raise StationError("--tls-cert and --tls-key go together: give both, or neither")
    if args.tls_cert is not None:
        for flag, path in (("--tls-cert", args.tls_cert), ("--tls-key", args.tls_key)):
            if not path.is_file():
                raise StationError(f"{flag}: no file at {path}")
        return {"ssl_certfile": str(args.tls_cert), "ssl_keyfile": str(args.tls_key)}
    if not is_loopback(args.host):
        raise StationError(f"refusing to serve plain HTTP on {args.host}: the webhook secret and the page would"
                           " cross the network in clear. Give --tls-cert and --tls-key, or listen on 127.0.0.1")
    return {}
