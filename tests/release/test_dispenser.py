"""Dispenser stations: the token verifies, then the document is printed and presented in the bin."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

import spool
from station.devices import locker_for
from simulators.lockbus import LockBusSim
from simulators.printer import SimPrinter
from spool import alarms, machine
from spool.states import Flow
from station import config, token, trust
from station.cli import main
from station.counter import Counter
from station.kiosk import Screen
from station.printing import PrintStage

from .conftest import wait_for

STATION = "MPP-DISP-01"


class Dispenser:
    """A dispenser station: counter, print stage with an in-process printer, bus with the shutter."""

    def __init__(self, tmp_path: Path, *, presentation: float = 5.0) -> None:
        folder = tmp_path / "station"
        assert main(["init", str(folder), "--station-id", STATION, "--kind", "dispenser"]) == 0
        self.issuer = trust.new_private_key()
        store = trust.TrustStore.load(folder / "trust.json").with_key(trust.entry_for(self.issuer, "issuer"))
        store.save(folder / "trust.json")
        self.cfg = config.load(folder / "station.toml", environ={
            "STATION_DISPENSER_PRESENTATION_SECONDS": str(presentation),
            "STATION_RELEASE_REOPEN_GRACE_SECONDS": "0"})
        self.shutter = self.cfg.dispenser.shutter
        self.sim = LockBusSim.from_bus_config(self.cfg.bus[0], link=folder / self.cfg.bus[0].port,
                                              auto_close=0.3, latch_ms=20).start()
        self.counter: Counter | None = None
        self.locker = locker_for(self.cfg, on_event=lambda e: self.counter and self.counter.on_lock_event(e))
        self.locker.start()
        wait_for(lambda: all(s.value == "online" for s in self.locker.bus_states().values()))
        self.counter = Counter(self.cfg, store, self.locker, lambda kind, data: None)
        self.counter.start()
        self.printer = SimPrinter("sim", pages_per_minute=600)
        self.print_conn = spool.connect(self.cfg.spool_path)
        self.stage = PrintStage(self.print_conn, self.printer, sensor=lambda job: self._bin_full(),
                                sensor_seconds=5)
        self.stage.start(poll_seconds=0.1)
        self._stop = threading.Event()
        self._tray = threading.Thread(target=self._paper_to_bin, daemon=True)
        self._tray.start()

    def _bin_full(self) -> bool:
        return self.locker.status(self.shutter).item.value == "present"

    def _paper_to_bin(self) -> None:
        """The printer's output lands in the bin behind the shutter (its sensor sees it)."""
        seen = 0
        while not self._stop.is_set():
            if len(self.printer.output) > seen:
                seen = len(self.printer.output)
                self.sim.put_item(self.shutter)
            time.sleep(0.02)

    def add(self, job_id: str, pdf: Path) -> str:
        conn = spool.connect(self.cfg.spool_path)
        machine.create_job(conn, job_id, flow=Flow.DISPENSER, template="nib", template_version=1,
                           payload=json.dumps({"id": job_id, "data": {}}))
        machine.transition(conn, job_id, "rendered", actor="system", pdf_path=str(pdf), pages=1)
        conn.close()
        return token.issue(self.issuer, STATION, job_id, ttl_seconds=3600)

    def state(self, job_id: str) -> str:
        conn = spool.connect(self.cfg.spool_path)
        try:
            return spool.jobs.get_job(conn, job_id).state.value
        finally:
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.stage.stop()
        assert self.counter is not None
        self.counter.stop()
        self.locker.stop()
        self.sim.stop()
        self.printer.close()
        self.print_conn.close()


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
        view = station.counter.scan(text).result(timeout=10)
        assert view.screen is Screen.PRINTING
        wait_for(lambda: station.state("NIB-D1") == "collected", timeout=20, what="collected")
        assert station.sim.unlock_count(station.shutter) == 1
        assert station.counter.scan(text).result(timeout=10).reason == "already_used"
    finally:
        station.close()


def test_paper_not_taken_is_retained(tmp_path: Path, one_page_pdf: Path) -> None:
    station = Dispenser(tmp_path, presentation=1.0)
    try:
        station.sim.add_fault(f"keepitem@{station.shutter}")
        text = station.add("NIB-D2", one_page_pdf)
        station.counter.scan(text).result(timeout=10)
        wait_for(lambda: station.state("NIB-D2") == "retained", timeout=20, what="retained")

        def alarmed() -> bool:
            conn = spool.connect(station.cfg.spool_path)
            try:
                return any(a.kind == "document_retained" for a in alarms.list_alarms(conn))
            finally:
                conn.close()

        wait_for(alarmed, timeout=5, what="the retained alarm")
    finally:
        station.close()
