"""`station fleet serve`: the command center for a fleet of stations watched by Prometheus."""

from __future__ import annotations

import argparse

from .common import add_command, add_group

DESCRIPTION = """\
Serve the command-center page: every station on one screen (up or down,
printer, lock bus, free slots, documents waiting and about to expire, open
alarms, firing alerts), built from Prometheus's HTTP API, with a link to each
station's own operations page. It also takes Alertmanager's webhooks
(POST /alerts/on-call, /alerts/ops-desk, /alerts/command-center; see
deploy/prometheus/alertmanager.yml) and lists the latest notifications.

Prometheus finds the stations through deploy/prometheus/stations.json (file_sd).
Nothing else is configured here: the page reads what Prometheus knows."""


def register(commands: argparse._SubParsersAction) -> None:
    """Add `station fleet serve`."""
    group = add_group(commands, "fleet", help="the command center for many stations (Prometheus)")
    parser = add_command(group, "serve", help="serve the command-center page", description=DESCRIPTION, run=run)
    parser.add_argument("--prometheus", default="http://127.0.0.1:9090", metavar="URL",
                        help="Prometheus to ask (default: %(default)s)")
    parser.add_argument("--alertmanager", metavar="URL", help="Alertmanager, for the page's link (optional)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    parser.add_argument("--port", type=int, default=9099, help="port (default: %(default)s, where the shipped"
                        " alertmanager.yml sends its webhooks)")


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM."""
    import uvicorn

    from ..fleet.app import create_app

    if not args.prometheus.startswith(("http://", "https://")):
        raise SystemExit(f"station fleet serve: --prometheus must be an http(s) URL, not {args.prometheus!r}")
    print(f"command center on http://{args.host}:{args.port}/ (Prometheus: {args.prometheus})", flush=True)
    uvicorn.run(create_app(args.prometheus, alertmanager=args.alertmanager), host=args.host, port=args.port,
                log_level="warning", access_log=False)
    return 0
