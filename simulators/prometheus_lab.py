"""The monitoring lab: a real Prometheus and Alertmanager watching simulated stations, private.

Started from the shipped configuration in `deploy/prometheus/` (the same
rules, routes and receivers a command center runs), rewritten for a lab:
its own folder (configuration, TSDB, Alertmanager state, logs), free ports
on 127.0.0.1, Alertmanager's cluster port switched off, the inventory file
(`stations.json`, file_sd) written by the lab, and the webhooks pointed at
the command center that receives them. Never the Debian packages' services.

For tests and demos, `LabTiming` shortens what would otherwise take
minutes: scrape and evaluation intervals, the rules' `for:` durations
(capped, never lengthened) and Alertmanager's grouping waits. The shipped
files keep their realistic durations; `promtool test rules` proves those.
"""

from __future__ import annotations

import json
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

from .errors import SimulatorError

from .cups_lab import Process, free_port

DEPLOY = Path(__file__).resolve().parents[1] / "deploy" / "prometheus"
SHIPPED_WEBHOOK = "http://127.0.0.1:9099"
START_TIMEOUT_S = 30.0
JOB = "mpp-station"


class MonitoringError(SimulatorError):
    """Prometheus or Alertmanager cannot start (missing, or a part did not come up)."""

    exit_code = 4


@dataclass(frozen=True)
class LabTiming:
    """How fast the lab runs; the defaults are the shipped configuration's own."""

    scrape_s: float = 15.0
    evaluation_s: float = 15.0
    rule_for_cap_s: float | None = None   # cap on every rule's `for:` (None: as shipped)
    group_wait_s: float | None = None     # Alertmanager's group_wait and group_interval (None: as shipped)

    @classmethod
    def fast(cls) -> LabTiming:
        """For tests: 2 s scrapes, 1 s evaluations, alerts after 6 s (three scrapes: one slow scrape on a
        busy machine is not an outage), notifications at once."""
        return cls(scrape_s=2.0, evaluation_s=1.0, rule_for_cap_s=6.0, group_wait_s=1.0)


def binary(*names: str) -> str:
    """The first of `names` on PATH (Debian calls Alertmanager `prometheus-alertmanager`)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise MonitoringError(f"{names[0]} is not installed: install the Debian packages prometheus and "
                          "prometheus-alertmanager (scripts/system-packages.sh)")


def _seconds(text: str) -> float:
    """A Prometheus duration such as `5m`, `1h30m`, `90s` in seconds."""
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    return sum(int(number) * units[unit] for number, unit in re.findall(r"(\d+)(ms|[smhdwy])", text))


# A summary names its rule's `for:` as `{{ $for := "2 menit" }}` (deploy/prometheus/rules): the words this
# file writes when it shortens the `for:`, so an alert never says "over 5 minutes" after 6 seconds.
FOR_WORDS = re.compile(r'\{\{ \$for := "([^"]*)" \}\}')
_UNITS = ((604800, "minggu", "week"), (86400, "hari", "day"), (3600, "jam", "hour"), (60, "menit", "minute"),
          (1, "detik", "second"))


def for_words(seconds: float) -> tuple[str, str]:
    """A `for:` duration in words, Indonesian and English: 120 -> ("2 menit", "2 minutes")."""
    whole = max(1, round(seconds))
    for size, indonesian, english in _UNITS:
        if whole % size == 0:
            count = whole // size
            return f"{count} {indonesian}", f"{count} {english}{'' if count == 1 else 's'}"
    raise AssertionError("unreachable: every whole number of seconds divides by 1")


def say_for(text: str, seconds: float, english: bool) -> str:
    """`text` (an annotation) with its `{{ $for := "..." }}` words set to `seconds`."""
    words = for_words(seconds)[1 if english else 0]
    return FOR_WORDS.sub(lambda _: '{{ $for := "%s" }}' % words, text)


def _duration(seconds: float) -> str:
    return f"{max(1, round(seconds * 1000))}ms"


class PrometheusLab:
    """Prometheus and Alertmanager in a folder of their own, watching the stations it is told of."""

    def __init__(self, root: Path, *, timing: LabTiming | None = None, webhook_base: str | None = None,
                 webhook_secret_file: Path | None = None) -> None:
        """`webhook_secret_file`: the command center's webhook secret, sent as the shipped http_config says."""
        self.root = Path(root).resolve()
        self.timing = timing or LabTiming()
        self.webhook_base = webhook_base
        self.webhook_secret_file = webhook_secret_file
        self.prometheus_port = 0
        self.alertmanager_port = 0
        self._processes: dict[str, Process] = {}

    @property
    def prometheus_url(self) -> str:
        """Prometheus's own pages and HTTP API."""
        return f"http://127.0.0.1:{self.prometheus_port}"

    @property
    def alertmanager_url(self) -> str:
        """Alertmanager's pages and HTTP API."""
        return f"http://127.0.0.1:{self.alertmanager_port}"

    # -- starting and stopping ---------------------------------------------------

    def start(self, stations: list[dict[str, Any]] | None = None) -> PrometheusLab:
        """Write the configuration and start Alertmanager, then Prometheus; returns self."""
        prometheus = binary("prometheus")
        alertmanager = binary("prometheus-alertmanager", "alertmanager")
        for folder in ("rules", "tsdb", "alertmanager", "logs"):
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self.set_stations(stations or [])
        try:
            self.alertmanager_port = self._start("alertmanager", lambda port: [
                alertmanager, f"--config.file={self._write_alertmanager_config()}",
                f"--storage.path={self.root / 'alertmanager'}", f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=", "--log.level=warn"])
            self.prometheus_port = self._start("prometheus", lambda port: [
                prometheus, f"--config.file={self._write_prometheus_config()}",
                f"--storage.tsdb.path={self.root / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=1d", "--web.enable-lifecycle", "--log.level=warn"])
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, name: str, argv_for: Any) -> int:
        """Start one server on a free port (another if that one was taken meanwhile); returns the port."""
        for _ in range(3):
            port = free_port()
            process = Process(name, argv_for(port), log=self.root / "logs" / f"{name}.log")
            self._processes[name] = process
            process.start()
            deadline = time.monotonic() + START_TIMEOUT_S
            while time.monotonic() < deadline:
                if not process.running:
                    break
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/-/ready", timeout=2).status_code == 200:
                        return port
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            tail = process.log_tail()
            process.stop()
            if "address already in use" not in tail:
                raise MonitoringError(f"{name} did not come up:\n{tail}")
        raise MonitoringError(f"{name}: no free port could be had")

    def stop(self) -> None:
        """Stop Prometheus, then Alertmanager."""
        for name in ("prometheus", "alertmanager"):
            process = self._processes.pop(name, None)
            if process is not None:
                process.stop()

    def pid(self, name: str) -> int | None:
        """The process id of `prometheus` or `alertmanager` while it runs."""
        process = self._processes.get(name)
        return process.popen.pid if process is not None and process.popen is not None else None

    def __enter__(self) -> PrometheusLab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- configuration -------------------------------------------------------------

    def set_stations(self, stations: list[dict[str, Any]]) -> None:
        """Write the inventory (file_sd entries); Prometheus picks a change up without a restart."""
        path = self.root / "stations.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(stations, indent=1))
        tmp.replace(path)

    def _write_prometheus_config(self) -> Path:
        config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
        config["global"]["scrape_interval"] = _duration(self.timing.scrape_s)
        config["global"]["scrape_timeout"] = _duration(min(self.timing.scrape_s, 10.0))
        config["global"]["evaluation_interval"] = _duration(self.timing.evaluation_s)
        config["rule_files"] = [str(self._write_rules())]
        config["alerting"]["alertmanagers"] = [{"static_configs": [{"targets": [f"127.0.0.1:{self.alertmanager_port}"]}]}]
        for job in config["scrape_configs"]:
            for sd in job.get("file_sd_configs", []):
                sd["files"] = [str(self.root / "stations.json")]
                sd["refresh_interval"] = "5s"
        path = self.root / "prometheus.yml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    def _write_rules(self) -> Path:
        path = self.root / "rules" / "mpp-station.rules.yml"
        rules = yaml.safe_load((DEPLOY / "rules" / "mpp-station.rules.yml").read_text())
        cap = self.timing.rule_for_cap_s
        if cap is not None:
            for group in rules["groups"]:
                for rule in group["rules"]:
                    if "for" in rule and _seconds(rule["for"]) > cap:
                        rule["for"] = _duration(cap)
                        for key, text in rule.get("annotations", {}).items():
                            rule["annotations"][key] = say_for(text, cap, english=key.endswith("_en"))
        path.write_text(yaml.safe_dump(rules, sort_keys=False, allow_unicode=True))
        return path

    def _write_alertmanager_config(self) -> Path:
        config = yaml.safe_load((DEPLOY / "alertmanager.yml").read_text())
        if self.timing.group_wait_s is not None:
            config["route"]["group_wait"] = _duration(self.timing.group_wait_s)
            config["route"]["group_interval"] = _duration(self.timing.group_wait_s)
        for receiver in config["receivers"]:
            for hook in receiver.get("webhook_configs", []):
                if self.webhook_base:
                    hook["url"] = hook["url"].replace(SHIPPED_WEBHOOK, self.webhook_base.rstrip("/"))
                else:
                    hook["url"] = hook["url"].replace(SHIPPED_WEBHOOK, "http://127.0.0.1:9")  # discard
                # The shipped credential's file, or none for a lab whose notifications go nowhere.
                if self.webhook_secret_file is not None:
                    hook["http_config"]["authorization"]["credentials_file"] = str(self.webhook_secret_file)
                else:
                    hook.pop("http_config", None)
        path = self.root / "alertmanager.yml"
        path.write_text(yaml.safe_dump(config, sort_keys=False))
        return path

    # -- asking ----------------------------------------------------------------------

    def query(self, expr: str) -> list[dict[str, Any]]:
        """An instant PromQL query's result vector."""
        reply = httpx.get(f"{self.prometheus_url}/api/v1/query", params={"query": expr}, timeout=10)
        reply.raise_for_status()
        return reply.json()["data"]["result"]

    def alerts(self) -> list[dict[str, Any]]:
        """The alerts Prometheus holds now (pending and firing)."""
        reply = httpx.get(f"{self.prometheus_url}/api/v1/alerts", timeout=10)
        reply.raise_for_status()
        return reply.json()["data"]["alerts"]

    def received(self) -> list[dict[str, Any]]:
        """The alerts Alertmanager has received and holds active now."""
        reply = httpx.get(f"{self.alertmanager_url}/api/v2/alerts", timeout=10)
        reply.raise_for_status()
        return reply.json()
