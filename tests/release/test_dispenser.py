"""Dispenser stations: one person at a time; the token verifies, then the paper is printed into an empty bin.

The rig follows the paper itself: each sheet the printer puts out lands in
the bin behind the shutter, and every time the shutter is seen open the
sheets behind it are noted, with whose turn it was. The invariant under
test is the physical one: one person's paper is never shown to another.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

import spool
from simulators.lockbus import LockBusSim
from simulators.printer import SimPrinter
from spool import alarms, intents, machine, tokens
from spool.intents import Kind
from spool.states import Flow
from station import config
from station.trust import token
from station.trust import store as trust
from station.cli import main
from station.events import EventBus
from station.release.counter import Counter
from station.parts.devices import locker_for
from station.release.kiosk import Screen
from station.printing.policy import DispenserPolicy, LockerPolicy, ShutterBin
from station.printing.settings import StageSettings
from station.printing.stage import PrintStage

from patience import wait

STATION = "MPP-DISP-01"


class Dispenser:
    """A dispenser station: counter, print stage with an in-process printer, bus with the shutter; and its paper."""

    def __init__(self, tmp_path: Path, *, presentation: float = 5.0, start: bool = True,
                 bus: EventBus | None = None) -> None:
        self.bus = bus  # (issue 27) given: wired as the daemon wires it, and the stage's poll is an hour
        self.folder = tmp_path / "station"
        if not (self.folder / "station.toml").exists():
            assert main(["init", str(self.folder), "--station-id", STATION, "--kind", "dispenser"]) == 0
            issuer = trust.new_private_key()
            trust.save_private_key(issuer, self.folder / "keys" / "issuer.pem")
            store = trust.TrustStore.load(self.folder / "trust.json").with_key(trust.entry_for(issuer, "issuer"))
            store.save(self.folder / "trust.json")
        self.issuer = trust.load_private_key(self.folder / "keys" / "issuer.pem")
        self.cfg = config.load(self.folder / "station.toml", environ={
            "STATION_DISPENSER_PRESENTATION_SECONDS": str(presentation),
            "STATION_RELEASE_REOPEN_GRACE_SECONDS": "0", "STATION_RELEASE_REFUSED_SCANS_PER_MINUTE": "100"})
        self.shutter = self.cfg.dispenser.shutter
        self.sim = LockBusSim.from_bus_config(self.cfg.bus[0], link=self.folder / self.cfg.bus[0].port,
                                              latch_ms=20).start()
        self.bin: list[str] = []            # the sheets behind the shutter
        self.shown: list[tuple[str | None, list[str]]] = []  # (whose turn, sheets) each time the shutter opened
        self.turn: str | None = None        # the citizen being served (who stands at the shutter)
        self.counter: Counter | None = None
        if start:
            self.start()

    def start(self) -> None:
        self.locker = locker_for(self.cfg, on_event=self._lock_event)
        self.locker.start()
        wait(lambda: all(s.value == "online" for s in self.locker.bus_states().values()))
        self.counter = Counter(self.cfg, trust.TrustFile(self.folder / "trust.json"), self.locker,
                               lambda kind, data: None)
        self._unlisten = []
        if self.bus is not None:
            self._unlisten.append(self.bus.listen("job", self.counter.wake_on_job))
        self.counter.start()
        self.counter.resume_watches()
        self.printer = SimPrinter("sim", pages_per_minute=600)
        self.print_conn = spool.connect(self.cfg.spool_path)
        output_bin = ShutterBin(self.locker, self.shutter)
        self.stage = PrintStage(self.print_conn, self.printer, StageSettings(sensor_seconds=5),
                                policies=(DispenserPolicy(output_bin), LockerPolicy()), sensor=output_bin)
        if self.bus is not None:
            self._unlisten.append(self.stage.listen(self.bus, self.shutter))
        self.stage.start(poll_seconds=3600 if self.bus is not None else 0.1)
        self._stop = threading.Event()
        self._people = threading.Thread(target=self._world, daemon=True)
        self._people.start()

    def _lock_event(self, event) -> None:
        """As the daemon's devices part: to the counter, and onto the bus (where the print stage hears the bin)."""
        if self.counter is not None:
            self.counter.on_lock_event(event)
        if self.bus is not None:
            self.bus.publish("slot", event.as_dict())

    def _world(self) -> None:
        """Sheets out of the printer drop into the bin; the person whose turn it is takes what the shutter shows."""
        seen, was_open = 0, False
        while not self._stop.is_set():
            while len(self.printer.output) > seen:
                self.bin.append(self.printer.output[seen].title)
                seen += 1
                self.sim.put_item(self.shutter)
            is_open = self.sim.door_open(self.shutter)
            if is_open and not was_open:
                self.shown.append((self.turn, list(self.bin)))
                if self.turn is not None:  # the citizen takes the paper and closes the shutter
                    time.sleep(0.3)
                    self.bin.clear()
                    self.sim.take_item(self.shutter)
                    self.sim.close_door(self.shutter)
                    is_open = False
            was_open = is_open
            time.sleep(0.02)

    def add(self, job_id: str, pdf: Path) -> str:
        conn = spool.connect(self.cfg.spool_path)
        machine.create_job(conn, job_id, flow=Flow.DISPENSER, template="nib", template_version=1,
                           payload=json.dumps({"id": job_id, "data": {}}))
        machine.transition(conn, job_id, "rendered", actor="system", pdf_path=str(pdf), pages=1)
        conn.close()
        return token.issue(self.issuer, STATION, job_id, ttl_seconds=3600)

    def scan(self, text: str, who: str | None = None):
        self.turn = who if who is not None else self.turn
        assert self.counter is not None
        return self.counter.scan(text).result(timeout=10)

    def state(self, job_id: str) -> str:
        conn = spool.connect(self.cfg.spool_path)
        try:
            return spool.jobs.get_job(conn, job_id).state.value
        finally:
            conn.close()

    def open_alarms(self) -> set[str]:
        conn = spool.connect(self.cfg.spool_path)
        try:
            return {a.kind for a in alarms.list_alarms(conn, open_only=True)}
        finally:
            conn.close()

    def token_spent(self, text: str) -> bool:
        claims = token.verify(text, trust.TrustStore.load(self.folder / "trust.json"), STATION)
        conn = spool.connect(self.cfg.spool_path)
        try:
            return tokens.is_used(conn, claims.cti_hex)
        finally:
            conn.close()

    def staff_empty_the_bin(self) -> list[str]:
        cleared, self.bin = list(self.bin), []
        self.sim.take_item(self.shutter)
        return cleared

    def stop(self) -> None:
        """The station stops (as a crash would: nothing is finished on the way out)."""
        self._stop.set()
        self._people.join(3)
        for unlisten in self._unlisten:
            unlisten()
        self.stage.stop()
        assert self.counter is not None
        self.counter.stop()
        self.locker.stop()
        self.printer.close()
        self.print_conn.close()

    def close(self) -> None:
        self.stop()
        self.sim.stop()

    def assert_nobody_saw_another_persons_paper(self) -> None:
        for whose_turn, sheets in self.shown:
            assert whose_turn is not None and sheets and set(sheets) == {whose_turn}, self.shown


@pytest.fixture
def one_page_pdf(tmp_path: Path) -> Path:
    from reportlab.pdfgen import canvas

    path = tmp_path / "doc.pdf"
    page = canvas.Canvas(str(path))
    page.drawString(72, 720, "Nomor Induk Berusaha")
    page.save()
    return path


def test_token_then_print_then_present_then_collected(tmp_path: Path, one_page_pdf: Path) -> None:
    station = Dispenser(tmp_path)
    try:
        text = station.add("NIB-D1", one_page_pdf)
        assert station.sim.unlock_count(station.shutter) == 0
        view = station.scan(text, who="NIB-D1")
        assert view.screen is Screen.PRINTING
        wait(lambda: station.state("NIB-D1") == "collected", timeout=20, what="collected")
        assert station.sim.unlock_count(station.shutter) == 1
        station.counter.repeats.window_s = 0.0  # presented later, not a repeat (test_scanner_noise.py)
        assert station.scan(text).reason == "already_used"
        station.assert_nobody_saw_another_persons_paper()
    finally:
        station.close()


def test_a_walks_away_then_b_scans(tmp_path: Path, one_page_pdf: Path) -> None:
    """A's paper is retained in the bin: B is refused (nothing spent) until staff empty it; B gets only B's."""
    station = Dispenser(tmp_path, presentation=1.0)
    try:
        a, b = station.add("NIB-A", one_page_pdf), station.add("NIB-B", one_page_pdf)
        station.turn = None  # A walks away: nobody takes the paper
        station.scan(a)
        wait(lambda: station.state("NIB-A") == "retained", timeout=20, what="A's paper retained")
        station.sim.close_door(station.shutter)  # the shutter closes on it
        assert station.bin == ["NIB-A"]
        refused = station.scan(b, who="NIB-B")
        assert refused.reason == "bin_not_empty" and refused.screen is Screen.ASK_STAFF
        assert station.state("NIB-B") == "rendered" and not station.token_spent(b)
        assert {"document_retained", "bin_not_empty"} <= station.open_alarms()
        assert station.staff_empty_the_bin() == ["NIB-A"]
        wait(lambda: station.scan(b, who="NIB-B").screen is Screen.PRINTING, timeout=10, what="B served")
        wait(lambda: station.state("NIB-B") == "collected", timeout=20, what="B collected")
        assert [(turn, sheets) for turn, sheets in station.shown if turn is not None] == [("NIB-B", ["NIB-B"])]
        assert all(sheets == ["NIB-A"] for turn, sheets in station.shown if turn is None)  # A's own presentation
    finally:
        station.close()


def test_a_and_b_scan_back_to_back(tmp_path: Path, one_page_pdf: Path) -> None:
    """B scanning while A is served is told to wait, with nothing spent; each gets their own paper.

    (issue 24) B's scan never takes A's screen: A's view is published again, with a banner for B.
    """
    station = Dispenser(tmp_path)
    try:
        a, b = station.add("NIB-A", one_page_pdf), station.add("NIB-B", one_page_pdf)
        first = station.scan(a, who="NIB-A")
        assert first.screen is Screen.PRINTING
        busy = station.scan(b)
        assert busy.screen in (Screen.PRINTING, Screen.PRESENTED) and busy.reason is None  # still A's screen
        assert "detik" in busy.banner["id"] and "seconds" in busy.banner["en"] and busy.banner_until
        assert busy.message == station.counter.flow.current_view().message
        assert station.state("NIB-B") == "rendered" and not station.token_spent(b)
        wait(lambda: station.state("NIB-A") == "collected", timeout=20, what="A collected")
        assert station.scan(b, who="NIB-B").screen is Screen.PRINTING
        wait(lambda: station.state("NIB-B") == "collected", timeout=20, what="B collected")
        assert [o.title for o in station.printer.output] == ["NIB-A", "NIB-B"]
        assert station.shown == [("NIB-A", ["NIB-A"]), ("NIB-B", ["NIB-B"])]
        station.assert_nobody_saw_another_persons_paper()
    finally:
        station.close()


def test_a_restart_with_a_s_paper_in_the_bin(tmp_path: Path, one_page_pdf: Path) -> None:
    """The station stopped with A's paper printed into the bin: it is presented to A; B waits its turn."""
    station = Dispenser(tmp_path, start=False)
    a, b = station.add("NIB-A", one_page_pdf), station.add("NIB-B", one_page_pdf)
    # Where the crash left it: A released and printed, the paper in the bin, the shutter not opened yet.
    conn = spool.connect(station.cfg.spool_path)
    claims = token.verify(a, trust.TrustStore.load(station.folder / "trust.json"), STATION)
    with spool.write(conn):
        tokens.record_use(conn, claims.cti_hex, "NIB-A")
        machine.transition(conn, "NIB-A", "released", actor="citizen")
        intents.record(conn, Kind.PRESENT, job="NIB-A", slot=station.shutter, detail={"phase": "printing"})
        machine.transition(conn, "NIB-A", "printing", actor="system", printer_job_id=1)
        machine.transition(conn, "NIB-A", "printed", actor="system")
    conn.close()
    station.bin = ["NIB-A"]
    station.sim.put_item(station.shutter)
    station.turn = "NIB-A"  # A is still there
    station.start()
    try:
        busy = station.scan(b)  # B, meanwhile
        # (issue 24) A's screen stays, with a banner for B; or, paper in the bin before A's turn, staff are asked
        assert (busy.banner is not None or busy.reason == "bin_not_empty") and not station.token_spent(b)
        wait(lambda: station.state("NIB-A") == "collected", timeout=20, what="A collected")
        assert station.shown == [("NIB-A", ["NIB-A"])]
        assert station.scan(b, who="NIB-B").screen is Screen.PRINTING
        wait(lambda: station.state("NIB-B") == "collected", timeout=20, what="B collected")
        station.assert_nobody_saw_another_persons_paper()
        assert [o.title for o in station.printer.output] == ["NIB-B"], "A's paper was not printed again"
    finally:
        station.close()


def test_paper_in_the_bin_after_a_restart_with_nobody_served_is_never_shown(tmp_path: Path,
                                                                             one_page_pdf: Path) -> None:
    station = Dispenser(tmp_path, start=False)
    b = station.add("NIB-B", one_page_pdf)
    station.bin = ["STRAY"]
    station.sim.put_item(station.shutter)
    station.start()
    try:
        refused = station.scan(b, who="NIB-B")
        assert refused.reason == "bin_not_empty" and not station.token_spent(b)
        wait(lambda: "bin_not_empty" in station.open_alarms(), timeout=5, what="the alarm")
        assert station.sim.unlock_count(station.shutter) == 0 and station.printer.output == []
        station.staff_empty_the_bin()
        wait(lambda: station.scan(b, who="NIB-B").screen is Screen.PRINTING, timeout=10, what="B served")
        wait(lambda: station.state("NIB-B") == "collected", timeout=20, what="B collected")
        station.assert_nobody_saw_another_persons_paper()
    finally:
        station.close()


def test_printing_shows_page_n_of_m_and_presented_when_paper_is_kept(tmp_path: Path, one_page_pdf: Path) -> None:
    """(issue 24) `progress` on the printing screen, `retain_at` on the presented one; B's banner clears itself."""
    from spool.rfc3339 import parse

    from station.release import banner

    events: list[dict] = []
    station = Dispenser(tmp_path, presentation=30.0, start=False)
    station.start()
    assert station.counter is not None
    station.counter.publish = lambda kind, data: events.append(data) if kind == "kiosk" else None
    station.printer.pages_per_minute = 20  # 3 s a page: the page count moves while the test watches
    banner.BANNER_S = 0.5
    try:
        a, b = station.add("NIB-P", one_page_pdf), station.add("NIB-Q", one_page_pdf)
        station.turn = None  # A waits before taking the paper: the presented screen stays up
        printing = station.scan(a)
        assert printing.progress["page"] == 1 and printing.progress["pages"] == 1
        assert 0 < printing.progress["eta_s"] <= 60 / station.cfg.printer.pages_per_minute
        queued = station.scan(b)
        assert queued.banner and queued.screen is printing.screen
        wait(lambda: any(e["screen"] == "presented" for e in events), timeout=30, what="presented")
        presented = [e for e in events if e["screen"] == "presented"][-1]
        retain = parse(presented["retain_at"]).timestamp()
        assert 20 <= retain - time.time() <= 31
        wait(lambda: events[-1].get("banner") is None, timeout=10, what="the banner cleared itself")
        assert not any(e["screen"] == "refused" for e in events)  # B never took A's screen
    finally:
        banner.BANNER_S = 8.0
        station.close()


def test_on_events_alone_the_paper_is_printed_presented_and_collected(tmp_path: Path, one_page_pdf: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """(issue 27) The print stage's poll and the counter's clock at an hour: the release's event wakes the
    stage, the bin's sensor has it judged printed, the `printed` event has the counter present it."""
    from station.release import counter as counter_module

    monkeypatch.setattr(counter_module, "TICK_S", 3600.0)
    bus = EventBus()
    unsubscribe = machine.subscribe(lambda event: bus.publish("job", event.as_dict()))
    station = Dispenser(tmp_path, bus=bus)
    try:
        text = station.add("NIB-EV", one_page_pdf)
        assert station.scan(text, who="NIB-EV").screen is Screen.PRINTING
        wait(lambda: station.state("NIB-EV") == "collected", timeout=30, what="collected, on events alone")
        assert station.sim.unlock_count(station.shutter) == 1
        station.assert_nobody_saw_another_persons_paper()
    finally:
        station.close()
        unsubscribe()
