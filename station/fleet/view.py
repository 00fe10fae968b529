"""Every station on one screen: the command center's rows, built from Prometheus's HTTP API.

A handful of instant queries (`/api/v1/query`), asked together, each a
vector keyed by the scrape target (`instance`); the inventory's labels
(`station`, `province`) say which station a target is. A station that
Prometheus lists but cannot scrape still gets its row: down, with the site
name it last reported (`last_over_time` over a day; or the inventory's own
`site` label, where the inventory gives one), and its province's time zone.
"""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from .words import DEFAULT_ZONE, ZONE_NAMES, printer_reason, zone_for

JOB = "mpp-station"
QUERIES = {
    "up": f'up{{job="{JOB}"}}',
    "info": "station_info",
    # What a station said about itself last (its site's name), kept while it is down.
    "seen": "last_over_time(station_info[1d])",
    "daemon": "station_daemon_up",
    "blocked": "station_printer_blocked",
    "reasons": "station_printer_reason == 1",
    "bus": "min by (instance) (station_lock_bus_up)",
    "slots": "station_slots",
    "ready": "station_documents_ready",
    "expiring": "station_documents_expiring",
    "alarms": "sum by (instance) (station_alarms_open)",
    "alerts": 'ALERTS{alertstate="firing"}',
}
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


class PrometheusUnreachable(Exception):
    """Prometheus did not answer, or answered something that is not a query result."""


@dataclass
class StationRow:
    """One station as the command center shows it (None: not known right now)."""

    station: str
    instance: str
    province: str = ""
    site: str = ""
    kind: str = ""
    version: str = ""
    up: bool = False
    daemon: bool | None = None
    printer_blocked: bool | None = None
    printer_reasons: list[str] = field(default_factory=list)
    bus_up: bool | None = None
    slots_free: int | None = None
    slots_total: int | None = None
    ready: int | None = None
    expiring: int | None = None
    alarms: int | None = None
    alerts: list[dict[str, str]] = field(default_factory=list)
    zone: str = DEFAULT_ZONE

    @property
    def status(self) -> str:
        """`down`, `critical`, `warning` or `ok`: what the row's colour says."""
        if not self.up or self.daemon is False:
            return "down"
        severities = {alert["severity"] for alert in self.alerts}
        if "critical" in severities or self.bus_up is False:
            return "critical"
        if "warning" in severities or self.printer_blocked:
            return "warning"
        return "ok"

    @property
    def ops_url(self) -> str:
        """The station's own operations page."""
        return f"http://{self.instance}/ops"

    def as_dict(self) -> dict[str, Any]:
        """The row as the page reads it."""
        return {**asdict(self), "status": self.status, "ops_url": self.ops_url,
                "printer_reason_words": [printer_reason(code) for code in self.printer_reasons],
                "zone_name": ZONE_NAMES.get(self.zone, "")}


async def fleet(prometheus_url: str, client: httpx.AsyncClient | None = None) -> dict[str, Any]:
    """Every station's row and a summary; `PrometheusUnreachable` when Prometheus cannot be asked."""
    own = client is None
    client = client or httpx.AsyncClient(timeout=5.0)
    try:
        results = await asyncio.gather(*(_query(client, prometheus_url, expr) for expr in QUERIES.values()))
    finally:
        if own:
            await client.aclose()
    rows = build_rows(dict(zip(QUERIES, results, strict=True)))
    counts = {status: sum(1 for row in rows if row.status == status) for status in ("ok", "warning", "critical", "down")}
    return {"stations": [row.as_dict() for row in rows], "counts": counts, "total": len(rows),
            "alerts_firing": sum(len(row.alerts) for row in rows)}


async def _query(client: httpx.AsyncClient, base: str, expr: str) -> list[dict[str, Any]]:
    try:
        reply = await client.get(f"{base.rstrip('/')}/api/v1/query", params={"query": expr})
        body = reply.json()
    except (httpx.HTTPError, ValueError) as err:
        raise PrometheusUnreachable(f"Prometheus at {base} did not answer: {type(err).__name__}") from None
    if reply.status_code != 200 or not isinstance(body, dict) or body.get("status") != "success":
        raise PrometheusUnreachable(f"Prometheus at {base} answered {reply.status_code}")
    result = body.get("data", {}).get("result")
    return result if isinstance(result, list) else []


def build_rows(results: dict[str, list[dict[str, Any]]]) -> list[StationRow]:
    """Join the query results on the target into rows, the worst first, then by station."""
    rows: dict[str, StationRow] = {}
    for sample in results.get("up", []):
        labels = sample.get("metric", {})
        instance = labels.get("instance")
        if instance:
            province = labels.get("province", "")
            rows[instance] = StationRow(station=labels.get("station", instance), instance=instance,
                                        province=province, site=labels.get("site", ""), up=_value(sample) == 1,
                                        zone=zone_for(province))

    def each(name: str):
        for sample in results.get(name, []):
            row = rows.get(sample.get("metric", {}).get("instance", ""))
            if row is not None:
                yield row, sample.get("metric", {}), _value(sample)

    for row, labels, _ in each("seen"):  # first what was last said, then what is said now
        row.site, row.kind = labels.get("site", "") or row.site, labels.get("kind", "") or row.kind
    for row, labels, _ in each("info"):
        row.site = labels.get("site", "") or row.site
        row.kind, row.version = labels.get("kind", ""), labels.get("version", "")
    for row, _, value in each("daemon"):
        row.daemon = value == 1
    for row, _, value in each("blocked"):
        row.printer_blocked = value == 1
    for row, labels, _ in each("reasons"):
        row.printer_reasons.append(labels.get("reason", "?"))
    for row, _, value in each("bus"):
        row.bus_up = value == 1
    for row, labels, value in each("slots"):
        count = int(value or 0)
        row.slots_total = (row.slots_total or 0) + count
        if labels.get("status") == "free":
            row.slots_free = count
    for name in ("ready", "expiring", "alarms"):
        for row, _, value in each(name):
            setattr(row, name, int(value or 0))
    for row, labels, _ in each("alerts"):
        row.alerts.append({"name": labels.get("alertname", "?"), "severity": labels.get("severity", "")})
    for row in rows.values():
        row.printer_reasons.sort()
        row.alerts.sort(key=lambda a: (SEVERITY_ORDER.get(a["severity"], 9), a["name"]))
    order = {"down": 0, "critical": 1, "warning": 2, "ok": 3}
    return sorted(rows.values(), key=lambda r: (order[r.status], r.station))


def _value(sample: dict[str, Any]) -> float | None:
    try:
        return float(sample["value"][1])
    except (KeyError, IndexError, TypeError, ValueError):
        return None
