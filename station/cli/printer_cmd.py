"""`station printer ...`: the printer's status, and a test page, for a technician."""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .common import add_command, add_group, load_config, print_json, print_table

# The printer drivers (and reportlab, for the test page) are imported by the commands that use them:
# building the parser must stay cheap.
if TYPE_CHECKING:
    from drivers.printer import Printer, PrinterJob

    from ..config import Config


def register(commands: argparse._SubParsersAction) -> None:
    """Add `station printer status` and `station printer test-page`."""
    group = add_group(commands, "printer", help="printer status and test page",
                      description="Look at the configured printer ([printer] in station.toml).")
    status = add_command(group, "status", help="the printer's status in the station's words",
                         description="Ask the printer (and its CUPS queue) how it is: online, offline, busy,\n"
                                     "user_error (paper, jam, door) or hardware_error, with the IPP reasons.\n"
                                     "Exit code 0: ready to print; 1: something blocks printing.",
                         run=run_status)
    status.add_argument("--json", action="store_true", help="JSON instead of a table")
    page = add_command(group, "test-page", help="print a test page and follow it to the end",
                       description="Print a one-page test page (no personal data) through the configured\n"
                                   "printer, wait for it and check the page count the printer reports.\n"
                                   "Nothing is written to the spool.",
                       run=run_test_page)
    page.add_argument("--wait", type=float, default=120.0, metavar="SECONDS",
                      help="how long to wait for the page (default: %(default)s)")
    page.add_argument("--json", action="store_true", help="JSON instead of text")


def run_status(args: argparse.Namespace) -> int:
    """Print the printer's status; exit 1 when something blocks printing."""
    from station.parts.devices import printer_for

    cfg = load_config(args)
    printer = printer_for(cfg)
    try:
        status = printer.status()
    finally:
        printer.close()
    info = {"printer": printer.name, "driver": cfg.printer.driver, **status.as_dict()}
    if args.json:
        print_json(info)
    else:
        print_table(["printer", "driver", "state", "reasons", "blocking", "message"],
                    [(info["printer"], info["driver"], info["state"], ", ".join(info["reasons"]) or "none",
                      ", ".join(info["blocking"]) or "none", info["message"])])
    return 1 if status.blocked else 0


def run_test_page(args: argparse.Namespace) -> int:
    """Print a test page and check what the printer reports."""
    from drivers.printer import JobPhase, PrinterError, print_options

    from station.parts.devices import printer_for

    cfg = load_config(args)
    printer = printer_for(cfg)
    title = f"test-page-{cfg.station.id}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    try:
        with tempfile.TemporaryDirectory(prefix="mpp-test-page-") as folder:
            pdf = write_test_page(Path(folder) / "test-page.pdf", cfg, printer.name)
            job_id = printer.submit(pdf, title, print_options(media=cfg.printer.media))
            result = follow(printer, job_id, args.wait)
    finally:
        printer.close()
    ok = result.phase is JobPhase.COMPLETED and result.pages == 1
    if args.json:
        print_json({"title": title, "printed": ok, **result.as_dict()})
    else:
        print(f"test page {title}: printer job {job_id}, {result.phase.value}, pages reported {result.pages}"
              + (f", reasons: {', '.join(result.reasons)}" if result.reasons else ""))
    if not ok:
        raise PrinterError(f"the test page did not print ({result.phase.value}, pages {result.pages})")
    return 0


def follow(printer: Printer, job_id: int, wait: float) -> PrinterJob:
    """Poll a printer job until it ends (or `wait` seconds pass)."""
    from drivers.printer import PrinterError

    deadline = time.monotonic() + wait
    while True:
        job = printer.job(job_id)
        if job.phase.done:
            return job
        if time.monotonic() > deadline:
            printer.cancel(job_id)
            raise PrinterError(f"the test page was not done after {wait:g} s (printer job {job_id}: "
                               f"{job.phase.value}); it was cancelled")
        time.sleep(0.5)


def write_test_page(path: Path, cfg: Config, printer_name: str) -> Path:
    """One A4 page: the station, the printer, the time, a frame and a ruler to check the margins."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    from drivers.printer import PrinterError, pdf_pages

    width, height = A4
    page = canvas.Canvas(str(path), pagesize=A4)
    page.setTitle("MPP Station test page")
    page.rect(10 * mm, 10 * mm, width - 20 * mm, height - 20 * mm)
    page.setFont("Helvetica-Bold", 20)
    page.drawString(25 * mm, height - 35 * mm, "MPP Station - test page")
    page.setFont("Helvetica", 12)
    lines = [f"Station: {cfg.station.id} ({cfg.station.name})", f"Printer: {printer_name} "
             f"(driver {cfg.printer.driver})", f"Paper: {cfg.printer.media}",
             f"Printed: {datetime.now(UTC).isoformat(timespec='seconds')}"]
    for number, line in enumerate(lines):
        page.drawString(25 * mm, height - (50 + 8 * number) * mm, line)
    for x in range(20, int(width / mm) - 10, 10):  # a ruler along the bottom, one tick per cm
        page.line(x * mm, 20 * mm, x * mm, (25 if x % 50 == 0 else 22) * mm)
    page.showPage()
    page.save()
    if pdf_pages(path) != 1:  # pragma: no cover - reportlab wrote what it was told
        raise PrinterError("the test page came out with the wrong number of pages")
    return path
