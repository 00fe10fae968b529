"""`station simulate`: the whole station on simulators, for demos, technicians and soak tests.

Started here, each speaking its real protocol:
- the back office (HTTP, PROTOCOLS.md §7), which approves documents and issues tokens;
- the lock buses (CU16, or 8A/80 for a second bus) and a QR scanner on pseudo-terminals;
- the printer: in the daemon (the in-process simulator, its paper followed sheet by sheet),
  or `--cups` for a real CUPS scheduler with ippeveprinter;
- the daemon itself, `station run`, as a child process (killed for real with `--kill-daemon-every`);
- the world around it (`sim_world`): staff who load the slots, citizens who scan, wait, take
  their paper or walk away.

A station folder given with `--dir` is resumed on the next run: the same
back office (its documents, tokens and cursor) and the paper where it was.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import spool
from simulators.backoffice import BackOffice
from simulators.backoffice.runner import BackOfficeServer
from simulators.lockbus import LockBusSim
from simulators.scanner import ScannerSim
from spool import jobs
from spool.states import JobState

from station import config
from station.trust import store as trust
from station.files import write_atomic
from station.cli.init_cmd import bus_spec
from station.cli.init_cmd import run as init_station
from station.runtime.processes import die_with_parent
from simulators.station import keys
from simulators.station.report import report
from simulators.station.world import World

OFFICE_STATE = "backoffice-state.json"
WORLD_STATE = "world-state.json"
PRINTER_OUTPUT = "run/printer-output.jsonl"
SECOND_BUS = "B:8a80:1x8"


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
    pdf_ratio: float = 0.0  # share of documents that come as agency-signed PDFs (§7.2)
    printer_ppm: float | None = None
    seed: int | None = None
    timeout: float | None = None
    quiet: bool = False
    fast: bool = False  # soak runs: brisk people, fast polling
    buses: int = 1
    keep: bool = False  # keep a temporary station folder on exit (it holds keys and personal data)
    # A fleet (station/fleet/) runs several: each with its id, and settings for its daemon's environment.
    station_id: str = "MPP-DEMO-01"
    env: dict[str, str] = field(default_factory=dict)
    staff_keys: keys.StaffKeys | None = None  # a fleet's: one operator token for every station (issue 25)


class Buses:
    """The simulated lock buses, addressed by the station's slot names (`A-1-05` goes to bus A)."""

    def __init__(self, sims: dict[str, LockBusSim]) -> None:
        self.sims = sims

    def _sim(self, slot: str) -> LockBusSim:
        return self.sims[slot.split("-", 1)[0]]

    def door_open(self, slot: str) -> bool:
        return self._sim(slot).door_open(slot)

    def item_present(self, slot: str) -> bool:
        return self._sim(slot).item_present(slot)

    def put_item(self, slot: str) -> None:
        self._sim(slot).put_item(slot)

    def take_item(self, slot: str) -> None:
        self._sim(slot).take_item(slot)

    def close_door(self, slot: str) -> None:
        self._sim(slot).close_door(slot)

    def unlock_count(self, slot: str) -> int:
        return self._sim(slot).unlock_count(slot)

    def stop(self) -> None:
        for sim in self.sims.values():
            sim.stop()


class SimulatedStation:
    """Everything `station simulate` runs, started and stopped together."""

    def __init__(self, options: Options, *, office: BackOffice | None = None,
                 office_server: BackOfficeServer | None = None) -> None:
        """`office` and `office_server`: a back office shared with other stations (started by the caller)."""
        self.options = options
        self.shared_server = office_server
        self.office = office  # type: ignore[assignment]
        self.rng = random.Random(options.seed)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.daemon: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.power_cycles = 0
        self.cups_lab: Any = None

    # -- setting up ------------------------------------------------------------

    def setup(self) -> None:
        opts = self.options
        # Absolute: the paths handed to the daemon (configuration, CA bundle) must not be read again
        # relative to the station folder (issue 21: `--dir sim3` looked for sim3/sim3/pdf-ca.pem).
        self.folder = (opts.folder or Path(tempfile.mkdtemp(prefix="mpp-simulate-")) / "station").absolute()
        config_path = self.folder / "station.toml"
        self.resumed = config_path.exists()
        if not self.resumed:
            buses = [bus_spec("A:cu16:1x16")] + ([bus_spec(SECOND_BUS)] if opts.buses > 1 else [])
            with contextlib.redirect_stdout(io.StringIO()):
                init_station(_Args(dir=str(self.folder), station_id=opts.station_id, kind=opts.kind,
                                   bus=buses if opts.buses > 1 else None))
        self.config_path = config_path
        if opts.fast:
            _poll_bus_fast(config_path)
        self.cfg = config.load(config_path)
        station_id = self.cfg.station.id
        if self.shared_server is not None:
            self.office.add_station(station_id, self._bearer())
        else:
            self.office = BackOffice(self._issuer_key(), stations={station_id: self._bearer()}, seed=opts.seed,
                                     scan_hook=self._scan_hook, pin_ratio=opts.pin_ratio, pin_ln=10,
                                     pdf_ratio=opts.pdf_ratio)
            if (self.folder / OFFICE_STATE).exists():
                self.office.restore(json.loads((self.folder / OFFICE_STATE).read_text()))
        self._trust(self.office.issuer_entry())
        # The station trusts the simulated agencies' CA (a new one each run; a resumed run keeps the old
        # roots too, for the signed PDFs still waiting to be verified).
        ca_bundle = self.folder / "pdf-ca.pem"
        earlier = ca_bundle.read_bytes() if ca_bundle.exists() else b""
        if self.office.pdf_issuer.root_pem not in earlier:
            write_atomic(ca_bundle, earlier + self.office.pdf_issuer.root_pem)  # private, whatever the umask
        self.server = self.shared_server or BackOfficeServer(self.office).start()
        self.bus = Buses({bus.name: LockBusSim.from_bus_config(bus, link=self.cfg.base_dir / bus.port, items=False,
                                                               latch_ms=20 if opts.fast else None).start()
                          for bus in self.cfg.bus})
        if opts.port == 0:
            opts.port = _free_port()
        self.env = {**os.environ, "STATION_CONFIG": str(config_path), "STATION_BACKOFFICE_URL": self.server.url,
                    "STATION_API_PORT": str(opts.port), "STATION_BACKOFFICE_POLL_SECONDS": "0.5",
                    "STATION_BACKOFFICE_CHECKPOINT_SECONDS": "10", "STATION_PRINTER_SIM_OUTPUT": PRINTER_OUTPUT,
                    "STATION_PDF_CA_BUNDLE": str(ca_bundle)}
        self.env.update(opts.env)
        if opts.printer_ppm:
            self.env["STATION_PRINTER_PAGES_PER_MINUTE"] = str(opts.printer_ppm)
        if opts.fast:
            self.env.update(STATION_PRINTER_POLL_SECONDS="0.05", STATION_PRINTER_MAX_IN_FLIGHT="4")
        if opts.kind == "dispenser" and opts.exit_when_done:
            self.env.setdefault("STATION_DISPENSER_PRESENTATION_SECONDS", "8")  # walk-aways settle in a scripted day
        if opts.cups:
            from simulators.cups_lab import CupsLab

            self.cups_lab = CupsLab(self.folder / "cups-lab").start()
            for key, value in self.cups_lab.printer_settings().items():
                self.env[f"STATION_PRINTER_{key.upper()}"] = str(value)
        self.cfg = config.load(config_path, environ=self.env)  # what the daemon runs with
        # The scanner at the baud the daemon reads it at (`STATION_SCANNER_BAUD` too).
        self.scanner = ScannerSim(self.cfg.base_dir / self.cfg.scanner.port, baud=self.cfg.scanner.baud).start()
        self.world = World(self, self.rng)
        self.world.restore(self.folder / WORLD_STATE)
        self.keys = keys.hand_out(self.cfg.spool_path, opts.staff_keys)  # (issue 25) the demo gives a way in

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
        world = self.world
        self._spawn(world.doors, "doors")
        if not self.options.cups:
            self._spawn(lambda stop: world.printer_tray(stop, self.cfg.base_dir / PRINTER_OUTPUT), "printer-tray")
        if self.options.auto_collect:
            self._spawn(world.dispenser_citizens if self.options.kind == "dispenser" else world.locker_citizens,
                        "citizens")
        if self.options.kind == "dispenser":
            self._spawn(world.shutter_mechanism, "shutter")
        self._spawn(world.staff, "staff")
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
                target(self._stop)
                return
            except Exception as err:  # noqa: BLE001 - a simulated person's mistake must not end the run
                print(f"simulate: {getattr(target, '__name__', target)}: {type(err).__name__}: {err}",
                      file=sys.stderr)
                self._stop.wait(0.5)

    def start_daemon(self) -> None:
        station = Path(sys.executable).with_name("station")
        command = [str(station)] if station.exists() else [sys.executable, "-m", "station.cli"]
        # Owner-only whatever the caller's umask: the daemon's log names jobs and slots.
        log = os.fdopen(os.open(self.folder / "daemon.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
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
        if getattr(self, "world", None) is not None:
            self._save_state()
        parts = ("scanner", "bus", "cups_lab") + (() if self.shared_server else ("server",))  # a fleet's: the fleet's
        for part in parts:  # whatever setup got to start
            if getattr(self, part, None) is not None:
                getattr(self, part).stop()
        return code

    def daemon_log_tail(self, lines: int = 15) -> str:
        """The last lines of the daemon's log (a temporary folder is gone once the run ends)."""
        with contextlib.suppress(OSError):
            return "\n".join((self.folder / "daemon.log").read_text(errors="replace").splitlines()[-lines:])
        return "(no log)"

    def remove_temporary(self) -> None:
        """Remove the station folder made for this run (keys, PDFs with personal data) unless asked to keep it."""
        folder = getattr(self, "folder", None)
        if self.options.folder is None and not self.options.keep and folder is not None:
            shutil.rmtree(folder.parent, ignore_errors=True)

    def _save_state(self) -> None:
        """What the next run on this folder resumes: the back office and where the paper is."""
        office = [] if self.shared_server is not None else [(OFFICE_STATE, self.office.snapshot())]
        for name, state in (*office, (WORLD_STATE, self.world.snapshot())):
            path = self.folder / name
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state))
            tmp.chmod(0o600)
            tmp.replace(path)

    def _scan_hook(self, document_id: str, token_text: str) -> dict[str, Any]:
        """The citizen page's "scan at the station" button."""
        self.world.scan(document_id, token_text)
        return {"scanned": document_id}

    # -- faults ----------------------------------------------------------------------

    def _killer(self, stop: threading.Event) -> None:
        every = self.options.kill_every or 0
        while not stop.wait(self.rng.uniform(0.3 * every, 1.7 * every)):
            if self.daemon is not None and self.daemon.poll() is None:
                self.daemon.send_signal(signal.SIGKILL)
                self.daemon.wait()
                self.kills += 1
                self.start_daemon()

    def _power_cycler(self, stop: threading.Event) -> None:
        every = self.options.power_cycle_every or 0
        boards = [(bus.name, board.address) for bus in self.cfg.bus for board in bus.boards]
        while not stop.wait(self.rng.uniform(0.5 * every, 1.5 * every)):
            bus, address = self.rng.choice(boards)
            self.bus.sims[bus].add_fault(f"powercycle@{address}=1")
            self.power_cycles += 1

    # -- reading the spool -------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        conn = spool.connect(self.cfg.spool_path)
        try:
            return {k: v for k, v in jobs.count_by_state(conn).items() if v}
        finally:
            conn.close()

    def finished(self) -> set[JobState]:
        """The states a document ends a scripted day in."""
        return {JobState.COLLECTED, JobState.RETAINED} if self.options.kind == "dispenser" else {JobState.COLLECTED}

    def done(self) -> bool:
        """Every approved document collected (or, at a dispenser, retained), and the back office told."""
        wanted = {a.id for a in self.office.approvals(self.cfg.station.id)}
        if not wanted:
            return False
        conn = spool.connect(self.cfg.spool_path)
        try:
            states = {j.id: j.state for j in jobs.list_jobs(conn, limit=len(wanted) + 1000)}
        finally:
            conn.close()
        return all(states.get(doc) in self.finished() for doc in wanted) and not self.missing_events(wanted)

    def missing_events(self, wanted: set[str]) -> list[str]:
        """Documents the back office has not heard every step of."""
        steps = {"received", "printed", "released"} | ({"staged"} if self.options.kind == "locker" else set())
        heard: dict[str, set[str]] = {}
        for event in self.office.events():
            heard.setdefault(event["document_id"], set()).add(event["event"])
        return sorted(doc for doc in wanted if not steps <= heard.get(doc, set())
                      or not {"collected", "retained"} & heard.get(doc, set()))

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
            self.world.scan(doc, approval.token)
            return f"scanned the token of {doc}" + (f" (its PIN is {approval.pin})" if approval.pin else "")
        if words[0] == "approve" and len(words) == 2 and words[1].isdigit():
            made = self.office.approve(int(words[1]), station=self.cfg.station.id)
            return f"approved {len(made)}: {', '.join(a.id for a in made)}"
        if words[0] == "status":
            return json.dumps(self.counts())
        return "commands: scan [DOCUMENT-ID] | approve N | status"

    def _next_waiting(self) -> str | None:
        ready = JobState.STAGED if self.options.kind == "locker" else JobState.RENDERED
        conn = spool.connect(self.cfg.spool_path)
        try:
            waiting = jobs.jobs_in(conn, ready, limit=1)
        finally:
            conn.close()
        return waiting[0].id if waiting else None

    def addresses(self) -> list[tuple[str, str]]:
        base = f"http://127.0.0.1:{self.options.port}"
        return [("kiosk", self.kiosk_url()), ("operations (operator)", self.keys.login_link(base)),
                ("operator token", self.keys.operator), ("technician token", self.keys.technician),
                ("spool API", f"{base}/api/v1/jobs"),
                ("back office (citizens' phones)", f"{self.server.url}/"),
                ("station folder", str(self.folder)), ("daemon log", str(self.folder / "daemon.log"))]


    def kiosk_url(self) -> str:
        """The kiosk screen's pairing address: `/kiosk?key=` with the station's kiosk key."""
        from station.web import kiosk_key

        path = self.cfg.path(self.cfg.paths.kiosk_key)
        assert path is not None
        kiosk_key.create(path)
        return f"http://127.0.0.1:{self.options.port}/kiosk?key={path.read_text().strip()}"


def _poll_bus_fast(config_path: Path) -> None:
    """Soak runs: the lock buses polled every 50 ms and unlocks 20 ms apart (the simulated latches
    are quick; the [[bus]] sections have no environment override)."""
    text = config_path.read_text()
    start = text.index("\n[[bus]]")
    head, *sections = re.split(r"(?m)^(?=\[\[bus\]\])", text[start:])
    fast = []
    for section in sections:
        section = re.sub(r"(?m)^poll_seconds = .*\n", "", section)
        section = re.sub(r"(?m)^unlock_spacing_ms = .*\n", "", section)
        fast.append(section.replace("[[bus]]\n", "[[bus]]\npoll_seconds = 0.05\nunlock_spacing_ms = 20\n", 1))
    config_path.write_text(text[:start] + head + "".join(fast))


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
    try:
        return _run(station, options)
    finally:
        station.remove_temporary()


def _run(station: SimulatedStation, options: Options) -> int:
    started = time.monotonic()
    interrupted = False

    def stop_on_sigterm(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # SIGTERM stops the simulation as cleanly as Ctrl-C

    signal.signal(signal.SIGTERM, stop_on_sigterm)
    try:
        station.start()
        print("MPP Station on simulators" + (" (resumed)" if station.resumed else ""))
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
                print(f"simulate: the daemon exited ({station.runtime.daemon.returncode}); the end of its log "
                      f"({station.folder / 'daemon.log'}):\n{station.daemon_log_tail()}", file=sys.stderr)
                break
    except KeyboardInterrupt:
        interrupted = True
    finally:
        station.stop()
    if interrupted and not options.exit_when_done:
        print("\nstopped")
        return 0
    summary, good = report(station)
    print(json.dumps(summary, indent=2))
    print("simulate: " + ("every document collected, audit and checkpoints verified" if good else "NOT all good"))
    return 0 if good else 1
