"""`station simulate`: the whole station on simulators, for demos, technicians and soak tests.

Started here, each speaking its real protocol:
- the back office (HTTP, PROTOCOLS.md §7), which approves documents and issues tokens;
- a CU16 (or 8A/80) lock bus on a pseudo-terminal, and a QR scanner on another;
- the printer: in the daemon (the in-process simulator), or `--cups` for a
  real CUPS scheduler with ippeveprinter;
- the daemon itself, `station run`, as a child process (so it can be killed
  for real with `--kill-daemon-every`);
- simulated people: whoever opens a slot door puts a document in if the slot
  is empty (staff loading) or takes it out if not (a citizen), then closes
  the door; with `--auto-collect`, citizens come and scan their tokens.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spool
from simulators.backoffice import BackOffice
from simulators.backoffice.runner import BackOfficeServer
from simulators.lockbus import LockBusSim
from simulators.scanner import ScannerSim
from spool import audit, jobs, machine
from spool.states import JobState

from . import checkpoint, config, token, trust
from .cli.init_cmd import run as init_station
from .control import ControlClient, ControlError
from .errors import StationError
from .processes import die_with_parent

PEOPLE_DELAY_S = (0.1, 0.3)
LOOP_S = 0.05


@dataclass
class Options:
    """What `station simulate` was asked to do."""

    folder: Path | None = None
    kind: str = "locker"
    documents: int = 0
    auto_collect: bool = False
    exit_when_done: bool = False
    kill_every: float | None = None
    power_cycle_every: float | None = None
    cups: bool = False
    port: int = 8080
    pin_ratio: float = 0.2
    printer_ppm: float | None = None
    seed: int | None = None
    timeout: float | None = None
    quiet: bool = False
    fast: bool = False  # soak runs: brisk people, fast polling
    # A fleet (station/fleet/) runs several: each with its id, and settings for its daemon's environment.
    station_id: str = "MPP-DEMO-01"
    env: dict[str, str] = field(default_factory=dict)


class SimulatedStation:
    """Everything `station simulate` runs, started and stopped together."""

    def __init__(self, options: Options, *, office: BackOffice | None = None,
                 office_server: BackOfficeServer | None = None) -> None:
        """`office` and `office_server`: a back office shared with other stations (started by the caller)."""
        self.options = options
        self.shared_office = office
        self.shared_server = office_server
        self.rng = random.Random(options.seed)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.daemon: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.power_cycles = 0
        self.scanned: dict[str, float] = {}
        self.cups_lab: Any = None
        self._people_busy: set[str] = set()

    # -- setting up ------------------------------------------------------------

    def setup(self) -> None:
        opts = self.options
        self.folder = opts.folder or Path(tempfile.mkdtemp(prefix="mpp-simulate-")) / "station"
        config_path = self.folder / "station.toml"
        if not config_path.exists():
            with contextlib.redirect_stdout(io.StringIO()):
                init_station(_Args(dir=str(self.folder), station_id=opts.station_id, kind=opts.kind))
        self.config_path = config_path
        if opts.fast:
            _poll_bus_fast(config_path)
        self.cfg = config.load(config_path)
        station_id = self.cfg.station.id
        bearer = self._bearer()
        issuer = self._issuer_key()
        if self.shared_office is not None and self.shared_server is not None:
            self.office, self.server = self.shared_office, self.shared_server
            self.office.add_station(station_id, bearer)
        else:
            self.office = BackOffice(issuer, stations={station_id: bearer}, seed=opts.seed,
                                     scan_hook=self._scan_hook, pin_ratio=opts.pin_ratio, pin_ln=10)
            self.server = BackOfficeServer(self.office).start()
        self._trust(self.office.issuer_entry())
        bus = self.cfg.bus[0]
        self.bus = LockBusSim.from_bus_config(bus, link=self.cfg.base_dir / bus.port, items=False,
                                              latch_ms=20 if opts.fast else None).start()
        self.scanner = ScannerSim(self.cfg.base_dir / self.cfg.scanner.port, baud=self.cfg.scanner.baud).start()
        if opts.port == 0:
            opts.port = _free_port()
        self.env = {**os.environ, "STATION_CONFIG": str(config_path), "STATION_BACKOFFICE_URL": self.server.url,
                    "STATION_API_PORT": str(opts.port), "STATION_BACKOFFICE_POLL_SECONDS": "0.5",
                    "STATION_BACKOFFICE_CHECKPOINT_SECONDS": "10"}
        self.env.update(opts.env)
        if opts.printer_ppm:
            self.env["STATION_PRINTER_PAGES_PER_MINUTE"] = str(opts.printer_ppm)
        if opts.fast:
            self.env.update(STATION_PRINTER_POLL_SECONDS="0.05", STATION_PRINTER_MAX_IN_FLIGHT="4")
        if opts.cups:
            from simulators.cups_lab import CupsLab

            self.cups_lab = CupsLab(self.folder / "cups-lab").start()
            for key, value in self.cups_lab.printer_settings().items():
                self.env[f"STATION_PRINTER_{key.upper()}"] = str(value)

    def _bearer(self) -> str:
        path = self.cfg.path(self.cfg.backoffice.token_file)
        assert path is not None
        if not path.exists():
            path.write_text("sim-" + os.urandom(12).hex() + "\n")
            path.chmod(0o600)
        return path.read_text().strip()

    def _issuer_key(self) -> Any:
        path = self.folder / "keys" / "backoffice-issuer.pem"  # the simulated back office's own key
        if not path.exists():
            trust.save_private_key(trust.new_private_key(), path)
        return trust.load_private_key(path)

    def _trust(self, entry: trust.TrustedKey) -> None:
        path = self.cfg.path(self.cfg.paths.trust_store)
        assert path is not None
        store = trust.TrustStore.load(path)
        if not any(k.kid == entry.kid and k.purpose == "issuer" for k in store.keys):
            store.with_key(entry).save(path)

    # -- running ----------------------------------------------------------------

    def start(self) -> None:
        self.setup()
        if self.options.documents:
            self.office.approve(self.options.documents, station=self.cfg.station.id)
        self.start_daemon()
        self._spawn(self._people, "people")
        if self.options.auto_collect:
            self._spawn(self._citizens, "citizens")
        if self.options.kind == "dispenser":
            self._spawn(self._output_tray, "output-tray")
        self._spawn(self._staff, "staff")
        if self.options.kill_every:
            self._spawn(self._killer, "killer")
        if self.options.power_cycle_every:
            self._spawn(self._power_cycler, "power-cycler")

    def _spawn(self, target: Any, name: str) -> None:
        thread = threading.Thread(target=self._guarded, args=(target,), name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _guarded(self, target: Any) -> None:
        while not self._stop.is_set():
            try:
                target()
                return
            except Exception as err:  # noqa: BLE001 - a simulated person's mistake must not end the run
                print(f"simulate: {target.__name__}: {type(err).__name__}: {err}", file=sys.stderr)
                self._stop.wait(0.5)

    def start_daemon(self) -> None:
        station = Path(sys.executable).with_name("station")
        command = [str(station)] if station.exists() else [sys.executable, "-m", "station.cli"]
        log = open(self.folder / "daemon.log", "ab")  # noqa: SIM115 - the child owns it
        self.daemon = subprocess.Popen([*command, "run", "--config", str(self.config_path)], env=self.env,
                                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       preexec_fn=die_with_parent)
        log.close()

    def stop(self) -> int | None:
        self._stop.set()
        code = None
        if self.daemon is not None and self.daemon.poll() is None:
            self.daemon.send_signal(signal.SIGTERM)
            try:
                code = self.daemon.wait(30)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                code = self.daemon.wait()
        for thread in self._threads:
            thread.join(3)
        self.scanner.stop()
        self.bus.stop()
        if self.shared_server is None:
            self.server.stop()
        if self.cups_lab is not None:
            self.cups_lab.stop()
        return code

    # -- the simulated people ------------------------------------------------------

    def _people(self) -> None:
        """Whoever opens a door: fill an empty slot (staff loading) or empty a full one (a citizen)."""
        slots = [s for s, _, _ in self.cfg.slot_layout()]
        shutter = self.cfg.dispenser.shutter if self.options.kind == "dispenser" else None
        while not self._stop.is_set():
            for slot in slots:
                if slot in self._people_busy or not self.bus.door_open(slot):
                    continue
                if slot == shutter and not self.options.auto_collect:
                    continue
                self._people_busy.add(slot)
                delay = 0.02 if self.options.fast else self.rng.uniform(*PEOPLE_DELAY_S)
                threading.Timer(delay, self._at_door, args=(slot, slot == shutter)).start()
            self._stop.wait(LOOP_S)

    def _at_door(self, slot: str, shutter: bool) -> None:
        try:
            if self.bus.item_present(slot):
                self.bus.take_item(slot)
            elif not shutter:
                self.bus.put_item(slot)
            self.bus.close_door(slot)
        finally:
            self._people_busy.discard(slot)

    def _citizens(self) -> None:
        """Citizens whose documents are ready come and scan their tokens (and type their PINs)."""
        client = ControlClient(self.cfg.path(self.cfg.paths.control_socket), timeout=10)  # type: ignore[arg-type]
        ready = JobState.STAGED if self.options.kind == "locker" else JobState.RENDERED
        while not self._stop.is_set():
            conn = self._spool()
            try:
                waiting = jobs.jobs_in(conn, ready, limit=5)
            finally:
                conn.close()
            now = time.monotonic()
            for job in waiting:
                if now - self.scanned.get(job.id, -1e9) < 15:
                    continue  # scanned recently: give the station time
                try:
                    approval = self.office.approval(job.id)
                except KeyError:
                    continue
                text = approval.token
                if job.id in self.scanned:
                    # Scanned before and still waiting: that token may be spent (a release the station
                    # recorded, then lost to a crash). The citizen asks for a new one, as staff would issue.
                    text = token.issue(self.office.issuer_key, self.cfg.station.id, job.id,
                                       ttl_seconds=7 * 86400, pin=approval.pin is not None)
                self.scanned[job.id] = now
                self.scanner.send(text)
                if approval.pin:
                    self._type_pin(client, approval.pin)
                self._stop.wait(0.02 if self.options.fast else 0.15)
                break
            self._stop.wait(0.02 if self.options.fast else 0.2)

    def _type_pin(self, client: ControlClient, pin: str) -> None:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not self._stop.is_set():
            with contextlib.suppress(ControlError):
                view = client.call("kiosk")
                if view.get("screen") == "pin" and view.get("session"):
                    client.call("pin", {"session": view["session"], "pin": pin}, actor="citizen")
                    return
            time.sleep(0.1)

    def _staff(self) -> None:
        """Staff look at held documents now and then, and retry them (as the operations page would)."""
        retry_to = {"received": JobState.RECEIVED, "rendered": JobState.RENDERED, "printing": JobState.RENDERED,
                    "printed": JobState.PRINTED}
        retries: Tally[str] = Tally()
        while not self._stop.wait(3.0):
            conn = self._spool()
            try:
                for job in jobs.jobs_in(conn, JobState.HELD, limit=20):
                    target = JobState.STAGED if job.slot else retry_to.get(job.held_from or "")
                    if target is not None and job.flow.value == self.options.kind and retries[job.id] < 5:
                        retries[job.id] += 1
                        machine.transition(conn, job.id, target, actor="operator:sim-staff",
                                           action="job.retried", details={"reason": job.held_reason})
            finally:
                conn.close()

    def _output_tray(self) -> None:
        """Dispenser: what the printer prints lands in the bin behind the shutter."""
        shutter = self.cfg.dispenser.shutter
        while not self._stop.is_set():
            conn = self._spool()
            try:
                printing = jobs.jobs_in(conn, JobState.PRINTING, limit=1)
            finally:
                conn.close()
            if printing and not self.bus.item_present(shutter):
                self._stop.wait(0.5)
                self.bus.put_item(shutter)
            self._stop.wait(0.2)

    def _scan_hook(self, document_id: str, token_text: str) -> dict[str, Any]:
        """The citizen page's "scan at the station" button."""
        self.scanner.send(token_text)
        return {"scanned": document_id}

    # -- faults ----------------------------------------------------------------------

    def _killer(self) -> None:
        every = self.options.kill_every or 0
        while not self._stop.wait(self.rng.uniform(0.3 * every, 1.7 * every)):
            if self.daemon is not None and self.daemon.poll() is None:
                self.daemon.send_signal(signal.SIGKILL)
                self.daemon.wait()
                self.kills += 1
                self.start_daemon()

    def _power_cycler(self) -> None:
        every = self.options.power_cycle_every or 0
        boards = [b.address for b in self.cfg.bus[0].boards]
        while not self._stop.wait(self.rng.uniform(0.5 * every, 1.5 * every)):
            self.bus.add_fault(f"powercycle@{self.rng.choice(boards)}=1")
            self.power_cycles += 1

    # -- reading the spool -------------------------------------------------------------

    def _spool(self) -> Any:
        return spool.connect(self.cfg.spool_path)

    def counts(self) -> dict[str, int]:
        conn = self._spool()
        try:
            return {k: v for k, v in jobs.count_by_state(conn).items() if v}
        finally:
            conn.close()

    def done(self) -> bool:
        """Every approved document collected, and the back office told of each step."""
        wanted = {a.id for a in self.office.approvals(self.cfg.station.id)}
        if not wanted:
            return False
        conn = self._spool()
        try:
            states = {j.id: j.state for j in jobs.list_jobs(conn, limit=len(wanted) + 1000)}
        finally:
            conn.close()
        return all(states.get(doc) is JobState.COLLECTED for doc in wanted) and not self._missing_events(wanted)

    def _missing_events(self, wanted: set[str]) -> list[str]:
        """Documents the back office has not heard every step of (in the order of their life)."""
        steps = {"received", "printed", "released", "collected"}
        if self.options.kind == "locker":
            steps.add("staged")
        heard: dict[str, set[str]] = {}
        for event in self.office.events():
            heard.setdefault(event["document_id"], set()).add(event["event"])
        return sorted(doc for doc in wanted if not steps <= heard.get(doc, set()))

    def report(self) -> dict[str, Any]:
        """What a soak run checks at the end: audit, checkpoints, releases, reprints, events."""
        conn = self._spool()
        try:
            verdict = audit.verify(conn)
            actions = Tally(e.action for e in audit.entries(conn))
            # Released twice = its slot opened for a citizen twice. (A release recorded and then
            # recovered as never opened, the paper still inside, is followed by a new release.)
            opened = Tally(e.job for e in audit.entries(conn)
                           if e.action in ("unlock.opened", "unlock.already_open", "unlock.unknown"))
            store = trust.TrustStore.load(self.cfg.path(self.cfg.paths.trust_store))  # type: ignore[arg-type]
            checkpoints_ok = 0
            problems = []
            for row in conn.execute("SELECT * FROM checkpoints").fetchall():
                item = checkpoint.Checkpoint(self.cfg.station.id, row["seq"], row["hash"], row["at"], row["kid"],
                                             row["signature"])
                try:
                    checkpoint.verify(conn, item, store)
                    checkpoints_ok += 1
                except StationError as err:
                    problems.append(str(err))
        finally:
            conn.close()
        wanted = {a.id for a in self.office.approvals(self.cfg.station.id)}
        events = [e for e in self.office.events() if e["document_id"] in wanted]
        per_key = Tally((e["document_id"], e["event"]) for e in events)
        missing = self._missing_events(wanted)
        return {
            "documents": len(wanted),
            "counts": self.counts(),
            "audit_intact": verdict.ok, "audit_entries": verdict.count, "audit_problem": verdict.reason,
            "checkpoints_verified": checkpoints_ok, "checkpoint_problems": problems,
            "released_twice": sorted(j for j, n in opened.items() if n > 1),
            "releases_recovered": actions.get("release.recovered", 0),
            "reprints": actions.get("job.reprint", 0),
            "daemon_kills": self.kills, "bus_power_cycles": self.power_cycles,
            "backoffice_events": len(events),
            "events_duplicated": sorted(f"{d}:{e}" for (d, e), n in per_key.items() if n > 1),
            "documents_missing_events": missing[:20],
        }

    def read_commands(self) -> None:
        """A person at the terminal: `scan ID`, `scan`, `approve N`, `status`."""
        if sys.stdin is None or not sys.stdin.readable() or sys.stdin.closed:
            return

        def loop() -> None:
            for line in sys.stdin:
                print(self.command(line.strip()), flush=True)

        threading.Thread(target=loop, name="commands", daemon=True).start()

    def command(self, line: str) -> str:
        """Carry out one typed command; returns what to print."""
        words = line.split()
        if not words:
            return ""
        if words[0] == "scan":
            doc = words[1] if len(words) > 1 else self._next_waiting()
            if doc is None:
                return "no document is waiting"
            try:
                approval = self.office.approval(doc)
            except KeyError:
                return f"the back office has no document {doc}"
            self.scanner.send(approval.token)
            return f"scanned the token of {doc}" + (f" (its PIN is {approval.pin})" if approval.pin else "")
        if words[0] == "approve" and len(words) == 2 and words[1].isdigit():
            made = self.office.approve(int(words[1]), station=self.cfg.station.id)
            return f"approved {len(made)}: {', '.join(a.id for a in made)}"
        if words[0] == "status":
            return json.dumps(self.counts())
        return "commands: scan [DOCUMENT-ID] | approve N | status"

    def _next_waiting(self) -> str | None:
        ready = JobState.STAGED if self.options.kind == "locker" else JobState.RENDERED
        conn = self._spool()
        try:
            waiting = jobs.jobs_in(conn, ready, limit=1)
        finally:
            conn.close()
        return waiting[0].id if waiting else None

    def addresses(self) -> list[tuple[str, str]]:
        base = f"http://127.0.0.1:{self.options.port}"
        return [("kiosk", f"{base}/kiosk"), ("operations", f"{base}/ops"), ("spool API", f"{base}/api/v1/jobs"),
                ("back office (citizens' phones)", f"{self.server.url}/"),
                ("station folder", str(self.folder)), ("daemon log", str(self.folder / "daemon.log"))]


def _poll_bus_fast(config_path: Path) -> None:
    """Soak runs: the lock bus polled every 50 ms and unlocks 20 ms apart (the simulated latches
    are quick; the [[bus]] section has no environment override)."""
    text = config_path.read_text()
    bus = text.index("[[bus]]")
    section = re.sub(r"(?m)^poll_seconds = .*$", "poll_seconds = 0.05", text[bus:], count=1)
    section = re.sub(r"(?m)^unlock_spacing_ms = .*$", "unlock_spacing_ms = 20", section, count=1)
    config_path.write_text(text[:bus] + section)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Args:
    """The arguments `station init` takes, for calling it in-process."""

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)


def run(options: Options) -> int:
    """Run until interrupted (or, with `exit_when_done`, until every document is collected)."""
    station = SimulatedStation(options)
    started = time.monotonic()
    interrupted = False

    def stop_on_sigterm(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the simulation as cleanly as Ctrl-C

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        station.start()
        print("MPP Station on simulators")
        for name, where in station.addresses():
            print(f"  {name:<32} {where}")
        print("Scan a citizen's QR with the button on their page (back office), or type here:\n"
              "  scan DOCUMENT-ID | scan (the next waiting document) | approve N | status | help   (Ctrl-C stops)")
        station.read_commands()
        last = ""
        while True:
            time.sleep(1.0)
            line = " ".join(f"{k}={v}" for k, v in sorted(station.counts().items()))
            extra = f" kills={station.kills}" if options.kill_every else ""
            if not options.quiet and line + extra != last:
                print(f"[{time.monotonic() - started:6.1f}s] {line}{extra}", flush=True)
                last = line + extra
            if options.exit_when_done and station.done():
                break
            if options.timeout and time.monotonic() - started > options.timeout:
                print("simulate: timed out before every document was collected", file=sys.stderr)
                break
            if station.daemon is not None and station.daemon.poll() is not None and not options.kill_every:
                print(f"simulate: the daemon exited ({station.daemon.returncode}); see "
                      f"{station.folder / 'daemon.log'}", file=sys.stderr)
                break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        station.stop()
    if interrupted and not options.exit_when_done:
        print("\nstopped")
        return 0
    report = station.report()
    print(json.dumps(report, indent=2))
    good = (station.done() and report["audit_intact"] and not report["released_twice"]
            and not report["events_duplicated"] and not report["checkpoint_problems"]
            and not report["documents_missing_events"])
    print("simulate: " + ("every document collected, audit and checkpoints verified" if good else "NOT all good"))
    return 0 if good else 1
