"""Printing tests: a spool on disk, PDFs made with reportlab, the simulator, and the CUPS lab."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any
from pathlib import Path

import pytest

import spool
from simulators.printer import SimPrinter
from spool import intents, machine
from spool.jobs import Job, get_job
from spool.states import Flow, JobState
from station.printing.policy import KindPolicy, OutputSensor
from station.printing.settings import StageSettings
from station.printing.stage import PrintStage


def make_pdf(path: Path, pages: int, label: str = "") -> Path:
    """A PDF of `pages` pages whose bytes differ per label (byte-identity checks mean something)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for number in range(1, pages + 1):
        pdf.drawString(72, 760, f"MPP test document {label} page {number} of {pages}")
        pdf.showPage()
    pdf.save()
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """A fresh spool on disk."""
    connection = spool.connect(tmp_path / "spool.db", create=True)
    yield connection
    connection.close()


@pytest.fixture
def add_job(conn: sqlite3.Connection, tmp_path: Path) -> Callable[..., Job]:
    """Make a job with a rendered PDF: `add_job("doc-1", pages=2, flow=Flow.DISPENSER)`."""

    def add(job_id: str, pages: int = 1, flow: Flow = Flow.LOCKER, *, released: bool = True) -> Job:
        pdf = make_pdf(tmp_path / "documents" / f"{job_id}.pdf", pages, job_id)
        machine.create_job(conn, job_id, flow=flow, template="akta-kelahiran", template_version=3)
        machine.transition(conn, job_id, JobState.RENDERED, actor="system", pdf_path=str(pdf),
                           pdf_sha256=sha256(pdf))
        if flow is Flow.DISPENSER and released:
            machine.transition(conn, job_id, JobState.RELEASED, actor="citizen")
        return get_job(conn, job_id)

    return add


def drive(stage, until: Callable[[], bool], *, timeout: float = 30.0, pause: float = 0.01,
          between: Callable[[], None] | None = None) -> None:
    """Step the stage until `until()` holds (a liveness bound, not a speed assertion)."""
    deadline = time.monotonic() + timeout
    while not until():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not reached within {timeout} s; in flight: {stage.flights}")
        stage.step()
        if between is not None:
            between()
        time.sleep(pause)


def states(conn: sqlite3.Connection) -> dict[str, str]:
    return {row["id"]: row["state"] for row in conn.execute("SELECT id, state FROM jobs")}


def actions(conn: sqlite3.Connection, job_id: str) -> list[str]:
    from spool import audit

    return [entry.action for entry in audit.entries(conn, job=job_id)]


# -- the CUPS lab (session-wide: starting it takes about a second) ------------

def _lab_missing() -> str | None:
    from simulators.cups_lab import TOOLS

    missing = [t for t in TOOLS if shutil.which(t) is None and not Path("/usr/sbin", t).exists()]
    if missing:
        return f"CUPS lab tools missing: {', '.join(missing)} (scripts/system-packages.sh installs them)"
    if os.geteuid() != 0:
        return "the CUPS lab needs root"
    return None


@pytest.fixture(scope="session")
def cups_lab(tmp_path_factory: pytest.TempPathFactory):
    """A private cupsd + ippeveprinter for the whole session."""
    reason = _lab_missing()
    if reason:
        pytest.skip(reason)
    from simulators.cups_lab import CupsLab

    lab = CupsLab(tmp_path_factory.mktemp("cups-lab"))
    lab.start()
    yield lab
    lab.stop()


@pytest.fixture
def lab(cups_lab):
    """The session's lab, put back in order after each test (faults off, printer and cupsd up)."""
    yield cups_lab
    cups_lab.set_fault(None)
    cups_lab.set_page_seconds(0.0)
    cups_lab.ensure_running()
    cups_lab.set_paper(250)
    cups_lab.clear_printer()


@pytest.fixture
def queue(lab, request) -> Iterator[str]:
    """A fresh CUPS queue for one test (its jobs do not mix with other tests')."""
    name = "t-" + "".join(c if c.isalnum() else "-" for c in request.node.name)[:40]
    lab.add_queue(name)
    yield name
    try:
        lab.remove_queue(name)
    except Exception:  # noqa: BLE001 - a queue left behind dies with the lab
        pass


FAST = 6000.0  # pages per minute: 10 ms a page


@pytest.fixture
def sim():
    printer = SimPrinter("sim", pages_per_minute=FAST)
    yield printer
    printer.close()


def stage_for(conn: sqlite3.Connection, printer, *, policies: tuple[KindPolicy, ...] | None = None,
              sensor: OutputSensor | None = None, **settings: Any) -> PrintStage:
    """A stage with these settings (`StageSettings` fields), policies and output sensor."""
    return PrintStage(conn, printer, StageSettings(**settings), policies=policies, sensor=sensor)


class SeenBy:
    """An output sensor that answers from a function (what a test wants it to see)."""

    def __init__(self, seen: Callable[[Job], bool]) -> None:
        self.seen = seen

    def paper_seen(self, job: Job) -> bool:
        return self.seen(job)


def crashed_after_intent(conn: sqlite3.Connection, job_id: str) -> None:
    """What the stage writes before it submits, and nothing after (it died there)."""
    with spool.write(conn):
        machine.annotate(conn, job_id, "print.submitting", actor="system", details={"attempt": 1}, print_attempts=1)
        intents.record(conn, intents.Kind.PRINT, job=job_id, detail={"attempt": 1}, audited=False)


@contextlib.contextmanager
def forgotten_and_printed_again(conn: sqlite3.Connection, add_job: Callable[..., Job],
                                job_id: str) -> Iterator[Job]:
    """A job the printer forgot while printing it (it lost power with the station), printed again."""
    printer = SimPrinter("slow", pages_per_minute=600)
    try:
        job = add_job(job_id, pages=2)
        stage = stage_for(conn, printer)
        drive(stage, lambda: states(conn)[job_id] == "printing")
        printer.forget(get_job(conn, job.id).printer_job_id)
        drive(stage, lambda: states(conn)[job_id] == "printed")
        yield job
    finally:
        printer.close()
