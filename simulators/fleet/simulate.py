"""`station simulate --stations N`: N simulated stations, one back office, a real Prometheus and Alertmanager.

Each station is a `SimulatedStation` (simulators/station/simulate.py) with its own id,
site, folder, daemon and web process, lock bus and scanner on
pseudo-terminals and simulated people; all of them take their documents
from one simulated back office (each with its own credential and cursor).
The monitoring lab (simulators/prometheus_lab.py) runs Prometheus and
Alertmanager from deploy/prometheus/, the inventory listing every station;
the command center (station/fleet/app.py) serves the fleet page and takes
Alertmanager's webhooks. Faults are typed (or given as `--fault`):
`jam 3`, `clear 3`, `bus-down 5`, `kill 2`, ...

`--documents` counts per station, approved over the first minute in small
batches (as citizens' documents come through a day, and so that N stations
sharing two cores do not all render, print and load at the same instant):
with `--auto-collect --exit-when-done` the run exits 0 once every document
at every station is collected, each station's audit chain and checkpoints
verify, and the command center shows every station.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from simulators.app_server import AppServer
from simulators.backoffice import BackOffice
from simulators.backoffice.office import ANY_STATION
from simulators.backoffice.runner import BackOfficeServer
from simulators.printer_panel import PANEL_ENV, write_panel
from simulators.prometheus_lab import LabTiming, PrometheusLab

from station.trust import store as trust
from simulators.station.report import report
from simulators.station.keys import new_keys
from simulators.station.simulate import OFFICE_STATE, Options, SimulatedStation
from station.fleet.app import create_app
from simulators.fleet.faults import Fault, FaultError, describe, is_number, parse_fault
from station.fleet.view import PrometheusUnreachable, fleet
from station.fleet.staff import Staff
from station.fleet.webhook import WebhookCredential
from station.runtime.roles import Role

# (code, site, province): where the simulated stations stand, in turn.
SITES = (
    ("BDG", "MPP Kota Bandung", "Jawa Barat"), ("SBY", "MPP Siola Surabaya", "Jawa Timur"),
    ("JKT", "MPP DKI Jakarta", "DKI Jakarta"), ("MDN", "MPP Kota Medan", "Sumatera Utara"),
    ("MKS", "MPP Kota Makassar", "Sulawesi Selatan"), ("SMG", "MPP Kota Semarang", "Jawa Tengah"),
    ("BPN", "MPP Kota Balikpapan", "Kalimantan Timur"), ("DPS", "MPP Kota Denpasar", "Bali"),
    ("PLG", "MPP Kota Palembang", "Sumatera Selatan"), ("YOG", "MPP Kota Yogyakarta", "DI Yogyakarta"),
)
# A fleet's daemons ask the back office every 2 s (one station's simulation asks every 0.5 s).
FEED_POLL_S = 2.0
SHOWN_WAIT_S = 60.0
READY_WAIT_S = 120.0


@dataclass
class FleetOptions:
    """What `station simulate --stations N` was asked to do."""

    stations: int = 3
    folder: Path | None = None
    station: Options = field(default_factory=Options)  # what every station runs with (documents: per station)
    faults: list[str] = field(default_factory=list)
    timing: LabTiming = field(default_factory=lambda: LabTiming(scrape_s=5.0, evaluation_s=5.0, rule_for_cap_s=30.0,
                                                                group_wait_s=5.0))
    command_port: int = 0
    batch: int = 4              # documents approved for each station at a time
    batch_every_s: float = 6.0  # ... this often, until each has `station.documents`


@dataclass(frozen=True)
class Site:
    """Where one simulated station stands."""

    number: int
    station_id: str
    site: str
    province: str


def sites(count: int) -> list[Site]:
    """The first `count` stations' ids and sites (`MPP-BDG-01`, ...; a second round gets `-02`)."""
    return [Site(n, f"MPP-{SITES[(n - 1) % len(SITES)][0]}-{(n - 1) // len(SITES) + 1:02d}",
                 SITES[(n - 1) % len(SITES)][1], SITES[(n - 1) % len(SITES)][2]) for n in range(1, count + 1)]


class FleetSimulation:
    """Everything `station simulate --stations N` runs, started and stopped together."""

    def __init__(self, options: FleetOptions) -> None:
        self.options = options
        self.folder = options.folder or Path(tempfile.mkdtemp(prefix="mpp-fleet-"))
        self.sites = sites(options.stations)
        self.stations: list[SimulatedStation] = []
        self.killed: set[int] = set()
        self.office: BackOffice | None = None
        self.office_server: BackOfficeServer | None = None
        self.lab: PrometheusLab | None = None
        self.center: AppServer | None = None
        self.center_tokens: dict[str, str] = {}  # role -> token, for the command center's sign-in
        self.approved = 0  # documents approved for each station so far (the feeder's progress)
        self.keys = new_keys()  # (issue 25) one operator and one technician token, valid at every station
        self._stop = threading.Event()

    # -- starting and stopping -------------------------------------------------------

    def start(self) -> FleetSimulation:
        """Back office, stations, command center, Prometheus and Alertmanager; then the `--fault`s."""
        self.folder.mkdir(parents=True, exist_ok=True)
        opts = self.options.station
        issuer = self._issuer_key()
        self.office = BackOffice(issuer, stations={self.sites[0].station_id: "pending"}, seed=opts.seed,
                                 scan_hook=self._scan, pin_ratio=opts.pin_ratio, pin_ln=10, pdf_ratio=opts.pdf_ratio)
        if (self.folder / OFFICE_STATE).exists():  # a fleet folder run before: its documents and cursors go on
            self.office.restore(json.loads((self.folder / OFFICE_STATE).read_text()))
        self.office_server = BackOfficeServer(self.office).start()
        for site in self.sites:
            station = SimulatedStation(self._station_options(site), office=self.office,
                                       office_server=self.office_server)
            self.stations.append(station)
            station.start()
        self._wait_ready()
        secret_file = self.folder / "monitoring" / "webhook.secret"  # new each run; Alertmanager reads it
        self.center = AppServer(create_app(lambda: self.lab.prometheus_url if self.lab else None,
                                           alertmanager=lambda: self.lab.alertmanager_url if self.lab else None,
                                           webhook=WebhookCredential.new_file(secret_file),
                                           staff=self._center_staff()),
                                port=self.options.command_port, name="command-center").start()
        self.lab = PrometheusLab(self.folder / "monitoring", timing=self.options.timing,
                                 webhook_base=self.center.url, webhook_secret_file=secret_file).start(self.inventory())
        for text in self.options.faults:
            print(self.inject(parse_fault(text, len(self.stations))), flush=True)
        threading.Thread(target=self._feed, name="fleet-feeder", daemon=True).start()
        return self

    def _feed(self) -> None:
        """Approve each station's documents a batch at a time."""
        assert self.office is not None
        wanted = self.options.station.documents
        while self.approved < wanted and not self._stop.is_set():
            count = min(self.options.batch, wanted - self.approved)
            for site in self.sites:
                self.office.approve(count, station=site.station_id)
            self.approved += count
            self._stop.wait(self.options.batch_every_s)

    def _center_staff(self) -> Staff:
        """An operator and a technician who may acknowledge and silence on the command center (new each run)."""
        path = self.folder / "monitoring" / "command-center.staff"
        path.unlink(missing_ok=True)
        self.center_tokens = {role.word: Staff.add(path, role.word, role) for role in (Role.OPERATOR, Role.TECHNICIAN)}
        return Staff.from_file(path)

    def _wait_ready(self, timeout: float = READY_WAIT_S) -> None:
        """Every station's web process answers before Prometheus starts (no "down" alerts at start-up)."""
        deadline = time.monotonic() + timeout
        for station in self.stations:
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"http://127.0.0.1:{station.options.port}/readyz", timeout=2).status_code == 200:
                        break
                time.sleep(0.2)

    def _station_options(self, site: Site) -> Options:
        folder = self.folder / f"station-{site.number:02d}"
        env = {PANEL_ENV: str(folder / "printer-panel"), "STATION_BACKOFFICE_POLL_SECONDS": str(FEED_POLL_S),
               "STATION_STATION_NAME": site.site}
        seed = None if self.options.station.seed is None else self.options.station.seed + site.number
        return replace(self.options.station, folder=folder, station_id=site.station_id, port=0, documents=0,
                       seed=seed, env={**self.options.station.env, **env}, staff_keys=self.keys)

    def _issuer_key(self) -> Any:
        path = self.folder / "backoffice-issuer.pem"
        if not path.exists():
            trust.save_private_key(trust.new_private_key(), path)
        return trust.load_private_key(path)

    def inventory(self) -> list[dict[str, Any]]:
        """The file_sd entries: every station's web address and its inventory labels."""
        return [{"targets": [f"127.0.0.1:{station.options.port}"],
                 "labels": {"station": site.station_id, "province": site.province}}
                for site, station in zip(self.sites, self.stations, strict=True)]

    def stop(self) -> None:
        """Stop every part: the daemons first (all at once), then the rest; then remove a temporary folder."""
        try:
            self._stop.set()
            for station in self.stations:
                if station.daemon is not None and station.daemon.poll() is None:
                    station.daemon.send_signal(signal.SIGTERM)
            for station in self.stations:
                station.stop()
            if self.office is not None:
                path = self.folder / OFFICE_STATE
                path.with_suffix(".tmp").write_text(json.dumps(self.office.snapshot()))
                path.with_suffix(".tmp").replace(path)
            if self.lab is not None:
                self.lab.stop()
            if self.center is not None:
                self.center.stop()
            if self.office_server is not None:
                self.office_server.stop()
        finally:  # a second Ctrl-C while stopping still leaves no personal data behind
            self.remove_temporary()

    def remove_temporary(self) -> None:
        """(issue 25) Remove the fleet folder made for this run (issuer key, NIKs, names, PDFs) unless --keep,
        as the one-station simulation does; a folder given with --dir is the caller's and stays."""
        if self.options.folder is None and not self.options.station.keep:
            shutil.rmtree(self.folder, ignore_errors=True)

    # -- faults and commands -----------------------------------------------------------

    def inject(self, fault: Fault) -> str:
        """Carry out one fault on the real parts; returns what was done."""
        station = self.stations[fault.station - 1]
        site = self.sites[fault.station - 1]
        panel = station.folder / "printer-panel"
        if fault.name == "jam":
            write_panel(panel, jam="1")
        elif fault.name == "clear":
            write_panel(panel, jam="0", paper="loaded", door="closed")
        elif fault.name == "paper-out":
            write_panel(panel, paper="empty")
        elif fault.name == "bus-down":
            for bus in station.bus.sims.values():
                bus.add_fault("vanish=0")
        elif fault.name == "bus-up":
            for bus in station.bus.sims.values():
                bus.clear_fault("vanish")
        elif fault.name == "kill":
            self.killed.add(fault.station)
            if station.daemon is not None and station.daemon.poll() is None:
                station.daemon.send_signal(signal.SIGKILL)
                station.daemon.wait()
        elif fault.name == "start":
            self.killed.discard(fault.station)
            if station.daemon is None or station.daemon.poll() is not None:
                station.start_daemon()
        return f"{fault.name} at station {fault.station} ({site.station_id}, {site.site})"

    def command(self, line: str) -> str:
        """One typed command: a fault (`jam 3`, or `fault jam 3`), `status`, `alerts`, `approve N [STATION]`."""
        words = line.split()
        if not words:
            return ""
        if words[0] == "fault":
            words = words[1:]
        try:
            if words and words[0] == "status":
                return self.status_line()
            if words and words[0] == "alerts":
                return self.alerts_line()
            if words and words[0] == "approve":
                return self._approve(words[1:])
            return self.inject(parse_fault(" ".join(words), len(self.stations)))
        except FaultError as err:
            return f"{err}\ncommands: status | alerts | approve N [STATION] | help, or a fault:\n{describe()}"

    def _approve(self, words: list[str]) -> str:
        """`approve N [STATION]`: N more documents, for station STATION (1 to N) or wherever each citizen chooses."""
        if not 1 <= len(words) <= 2 or not all(is_number(w) for w in words) or not 1 <= int(words[0]) <= 1000:
            raise FaultError("approve takes a count (1 to 1000) and, optionally, a station number")
        if len(words) == 2 and not 1 <= int(words[1]) <= len(self.sites):
            raise FaultError(f"no station {words[1]}: stations are numbered 1 to {len(self.sites)}")
        station = self.sites[int(words[1]) - 1].station_id if len(words) == 2 else ANY_STATION
        assert self.office is not None
        made = self.office.approve(int(words[0]), station=station)
        return f"approved {len(made)}: " + ", ".join(f"{a.id}@{a.station}" for a in made)

    def read_commands(self) -> None:
        """A technician at the terminal types commands (a thread reading standard input)."""
        if sys.stdin is None or sys.stdin.closed or not sys.stdin.readable():
            return

        def loop() -> None:
            for line in sys.stdin:
                try:
                    reply = self.command(line.strip())
                except Exception as err:  # noqa: BLE001 - a typed command never ends the run
                    reply = f"{line.strip()!r} failed: {type(err).__name__}: {err}"
                if reply:
                    print(reply, flush=True)

        threading.Thread(target=loop, name="fleet-commands", daemon=True).start()

    def _scan(self, document_id: str, token_text: str) -> dict[str, Any]:
        """A citizen's "scan at the station" button: the scanner of the station they chose."""
        assert self.office is not None
        chosen = self.office.approval(document_id).station
        for site, station in zip(self.sites, self.stations, strict=True):
            if site.station_id == chosen:
                station.scanner.send(token_text)
                return {"scanned": document_id, "station": chosen}
        raise LookupError(f"no simulated station {chosen}")

    # -- watching ------------------------------------------------------------------------

    def collected(self) -> tuple[int, int]:
        """Documents collected and approved, over every station."""
        done = total = 0
        assert self.office is not None
        for site, station in zip(self.sites, self.stations, strict=True):
            done += station.counts().get("collected", 0)
            total += len(self.office.approvals(site.station_id))
        return done, total

    def status_line(self) -> str:
        done, total = self.collected()
        down = ", ".join(self.sites[n - 1].station_id for n in sorted(self.killed))
        return f"collected {done}/{total}" + (f"; killed: {down}" if down else "") + "; " + self.alerts_line()

    def alerts_line(self) -> str:
        if self.lab is None:
            return "alerts: (Prometheus not started)"
        try:
            firing = sorted(f"{a['labels'].get('alertname')}@{a['labels'].get('station')}" for a in self.lab.alerts()
                            if a.get("state") == "firing")
        except Exception as err:  # noqa: BLE001 - a status line never ends the run
            return f"alerts: Prometheus did not answer ({type(err).__name__})"
        return "alerts firing: " + (", ".join(firing) if firing else "none")

    def done(self) -> bool:
        """Every document approved, and at every station still running collected and the back office told."""
        return self.approved >= self.options.station.documents and all(
            station.done() for n, station in enumerate(self.stations, 1) if n not in self.killed)

    def shown(self, timeout: float = SHOWN_WAIT_S) -> dict[str, Any]:
        """The command center's view once it shows every station up (or what it shows after `timeout`)."""
        assert self.lab is not None
        deadline = time.monotonic() + timeout
        view: dict[str, Any] = {"stations": [], "counts": {}}
        while time.monotonic() < deadline:
            try:
                view = asyncio.run(fleet(self.lab.prometheus_url))
            except PrometheusUnreachable:
                pass
            up = [row for row in view["stations"] if row["up"] and row["daemon"]]
            if len(up) == len(self.stations) - len(self.killed):
                break
            time.sleep(1.0)
        return view

    def addresses(self) -> list[tuple[str, str]]:
        assert self.lab is not None and self.center is not None and self.office_server is not None
        rows = [("command center", f"{self.center.url}/"), ("Prometheus", f"{self.lab.prometheus_url}/alerts"),
                ("Alertmanager", f"{self.lab.alertmanager_url}/"),
                *((f"command center sign-in ({role})", token) for role, token in self.center_tokens.items()),
                ("back office (citizens' phones)", f"{self.office_server.url}/"), ("fleet folder", str(self.folder))]
        # (issue 25) One operator and one technician for the whole fleet: the token logs in to the ops page the
        # command center links to for each station; each station's line logs in directly (a token stays out
        # of Prometheus's labels and the center's page).
        rows += [("operator token (every station)", self.keys.operator),
                 ("technician token (every station)", self.keys.technician)]
        for site, station in zip(self.sites, self.stations, strict=True):
            rows.append((f"{site.number:>2} {site.station_id} {site.site}",
                         station.keys.login_link(f"http://127.0.0.1:{station.options.port}")))
        return rows


def run(options: FleetOptions) -> int:
    """Run until interrupted (or, with `exit_when_done`, until every document at every station is collected)."""
    for text in options.faults:  # a typo is one clear line before anything starts
        parse_fault(text, options.stations)
    simulation = FleetSimulation(options)
    started = time.monotonic()
    interrupted = False
    station_opts = options.station

    def stop_on_sigterm(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    view: dict[str, Any] | None = None
    reports: list[tuple[dict[str, Any], bool]] = []
    try:
        try:
            simulation.start()
            print(f"MPP command center: {options.stations} simulated stations, one back office,"
                  " Prometheus and Alertmanager")
            for name, where in simulation.addresses():
                print(f"  {name:<40} {where}")
            print("Type a fault (e.g. jam 3, clear 3, bus-down 5, bus-up 5, kill 2, start 2), status, alerts,"
                  " approve N [STATION], or help.  (Ctrl-C stops)", flush=True)
            simulation.read_commands()
            _watch(simulation, started)
        except KeyboardInterrupt:
            interrupted = True
        if station_opts.exit_when_done and not interrupted:
            view = simulation.shown()
            reports = [report(station) for station in simulation.stations]
    finally:
        simulation.stop()
    if interrupted:
        print("\nstopped")
        return 0 if not station_opts.exit_when_done else 1
    if not station_opts.exit_when_done:
        return 0
    return _verdict(simulation, reports, view, time.monotonic() - started)


def _watch(simulation: FleetSimulation, started: float) -> None:
    """A status line when it changes; returns when done (with `exit_when_done`) or timed out."""
    opts = simulation.options.station
    last = ""
    while True:
        time.sleep(2.0)
        line = simulation.status_line()
        if not opts.quiet and line != last:
            print(f"[{time.monotonic() - started:6.1f}s] {line}", flush=True)
            last = line
        if opts.exit_when_done and simulation.done():
            return
        if opts.timeout and time.monotonic() - started > opts.timeout:
            print("simulate: timed out before every document was collected", file=sys.stderr)
            return


def _verdict(simulation: FleetSimulation, reports: list[tuple[dict[str, Any], bool]], view: dict[str, Any] | None,
             seconds: float) -> int:
    """Print every station's report (simulators/station/report.py) and the command center's view; 0 when all is well."""
    problems = []
    for site, (summary, good) in zip(simulation.sites, reports, strict=True):
        if site.number in simulation.killed:
            continue
        if not good:
            problems.append(site.station_id)
        print(json.dumps({"station": site.station_id, "site": site.site, **summary}))
    shown = [row["station"] for row in (view or {}).get("stations", []) if row["up"] and row["daemon"]]
    expected = len(simulation.stations) - len(simulation.killed)
    print(f"command center: {len(shown)} of {expected} stations shown up"
          + ("" if len(shown) == expected else f" (shown: {', '.join(sorted(shown))})"))
    done, total = simulation.collected()
    print(f"fleet: {done}/{total} documents collected at {len(simulation.stations)} stations in {seconds:.0f} s")
    good = not problems and len(shown) == expected
    print("simulate: " + ("every document at every station collected, audits and checkpoints verified,"
                          " every station on the command center" if good
                          else f"NOT all good ({', '.join(problems) or 'command center'})"))
    return 0 if good else 1
