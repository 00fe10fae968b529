"""Printing benchmark: the printer's duty cycle during a batch, and memory over 20,000 status polls.

Duty cycle: the print stage (in its own thread, as the daemon runs it)
feeds the simulated printer 500 documents of 1 to 3 pages at a rated
speed, time-scaled so the batch takes seconds. Duty cycle = pages printed
/ pages the rated speed allows between the stage's start and the last
page out. Goal: at least 98 %. The page-to-page interval is also printed
(median, p99) against its floor, the rated page time.

Memory (needs the CUPS lab: root, cups, cups-ipp-utils, avahi-daemon,
dbus, poppler-utils): the process's resident size before and after 20,000
`CupsPrinter.status()` polls, and, for contrast, 20,000 bare pycups
`getPrinterAttributes` calls (pycups issue 44 leaks each answer; the
driver does not use that call).
"""

from __future__ import annotations

import argparse
import statistics
import gc
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import spool  # noqa: E402
from bench.common import machine, quick, record, record_samples, run, summary  # noqa: E402
from drivers.printer import sha256_of  # noqa: E402
from simulators.printer import SimPrinter  # noqa: E402
from spool import machine as job_machine  # noqa: E402
from spool.states import Flow, JobState  # noqa: E402
from station.printing.settings import StageSettings  # noqa: E402
from station.printing.stage import PrintStage  # noqa: E402


def make_pdf(path: Path, pages: int) -> Path:
    """A PDF of `pages` pages."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    for number in range(pages):
        pdf.drawString(72, 760, f"benchmark page {number + 1} of {pages}")
        pdf.showPage()
    pdf.save()
    return path


def duty_cycle(documents: int, pages_per_minute: float, time_scale: float, in_flight: int) -> None:
    """Print the duty cycle of a batch through the stage and the simulator."""
    with tempfile.TemporaryDirectory(prefix="mpp-bench-print-") as name:
        folder = Path(name)
        conn = spool.connect(folder / "spool.db", create=True)
        pdfs = {pages: make_pdf(folder / f"{pages}.pdf", pages) for pages in (1, 2, 3)}
        total_pages = 0
        for number in range(documents):
            pages = 1 + number % 3
            total_pages += pages
            job_id = f"DOC-{number:05d}"
            job_machine.create_job(conn, job_id, flow=Flow.LOCKER, template="akta-kelahiran", template_version=3)
            job_machine.transition(conn, job_id, JobState.RENDERED, actor="system", pdf_path=str(pdfs[pages]),
                                   pdf_sha256=sha256_of(pdfs[pages]))
        printer = SimPrinter("bench", pages_per_minute=pages_per_minute, time_scale=time_scale)
        page_s = printer.page_seconds
        stage = PrintStage(spool.connect(folder / "spool.db"), printer, StageSettings(max_in_flight=in_flight))
        done = threading.Event()

        def watch() -> None:
            while len(printer.page_times) < total_pages:
                time.sleep(page_s)
            done.set()

        threading.Thread(target=watch, daemon=True).start()
        start = time.monotonic()
        # The stage polls at a quarter of a page: what the daemon's poll_seconds would be at full scale.
        stage.start(poll_seconds=page_s / 4)
        finished = done.wait(timeout=total_pages * page_s * 5 + 30)
        stage.stop()
        printer.close()
        if not finished:
            raise SystemExit(f"the batch did not finish: {len(printer.page_times)} of {total_pages} pages")
        elapsed = printer.page_times[-1] - start
        allowed = elapsed / page_s
        printed = sum(1 for row in conn.execute("SELECT state FROM jobs") if row["state"] == "printed")
        intervals = [b - a for a, b in zip(printer.page_times, printer.page_times[1:], strict=False)]
        print(f"duty cycle: {documents} documents ({printed} printed), {total_pages} pages, rated "
              f"{pages_per_minute:g} ppm x time scale {time_scale:g} = {page_s * 1e3:.1f} ms a page, "
              f"max_in_flight {in_flight}")
        print(f"  elapsed {elapsed:.2f} s, rated speed allows {allowed:.1f} pages: "
              f"duty cycle {total_pages / allowed * 100:.2f} % (goal >= 98 %)")
        print("  " + summary("page-to-page interval", intervals, page_s, "rated page time"))
        duty = total_pages / allowed * 100
        record("print: duty cycle of a batch", p50=duty, unit="%", goal=">= 98 %", met=duty >= 98, pages=total_pages)
        record_samples("print: page-to-page interval", intervals, floor_s=page_s, floor_name="rated page time",
                       goal="median <= 1.02x rated", met=statistics.median(intervals) <= page_s * 1.02)
        conn.close()


def rss_mib() -> float:
    """This process's resident size, MiB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def growth(name: str, poll: Callable[[], object], polls: int, rounds: int = 8) -> None:
    """RSS after a warm-up and after each eighth of the polls: a leak grows in every round (and in
    both halves alike); the allocator's one-time steps do not repeat."""
    for _ in range(min(2000, polls)):
        poll()
    gc.collect()
    marks = [rss_mib()]
    for _ in range(rounds):
        for _ in range(polls // rounds):
            poll()
        gc.collect()
        marks.append(rss_mib())
    half = rounds // 2
    first, second = marks[half] - marks[0], marks[-1] - marks[half]
    print(f"memory: {polls} x {name}: RSS " + " -> ".join(f"{m:.1f}" for m in marks)
          + f" MiB; first half {first:+.2f} MiB, second half {second:+.2f} MiB"
          + f" ({second * 1024 / (polls - polls // 2):.3f} KiB a call in the second half)")


def memory(polls: int) -> None:
    """Print the memory figures through the CUPS lab (skipped where it cannot run)."""
    import os
    import shutil

    from simulators.cups_lab import TOOLS, CupsLab, LabError

    missing = [t for t in TOOLS if shutil.which(t) is None and not Path("/usr/sbin", t).exists()]
    if missing or os.geteuid() != 0:
        print(f"memory: skipped (the CUPS lab needs root and {', '.join(TOOLS)})")
        return
    import cups

    from drivers.printer.cups_driver import CupsPrinter

    with tempfile.TemporaryDirectory(prefix="mpp-bench-lab-") as name:
        try:
            lab = CupsLab(Path(name)).start()
        except LabError as err:
            print(f"memory: skipped ({err})")
            return
        try:
            printer = CupsPrinter(lab.queue, server=lab.server, printer_uri=lab.printer_uri)
            # Twice the polls asked for: the allocator takes one step up somewhere in the first
            # 20,000; a leak would keep climbing in the rounds after it.
            growth("CupsPrinter.status() (queue: pycups getPrinters; printer: the station's IPP client)",
                   printer.status, 2 * polls)
            samples = []
            for _ in range(2000):
                start = time.perf_counter()
                printer.status()
                samples.append(time.perf_counter() - start)
            print("  " + summary("status poll", samples))
            conn = cups.Connection(host=lab.server)
            growth("bare pycups getPrinterAttributes(queue, 1 attribute), for contrast",
                   lambda: conn.getPrinterAttributes(lab.queue, requested_attributes=["printer-state-reasons"]),
                   polls)
            growth("bare pycups getPrinterAttributes(queue, all attributes), for contrast",
                   lambda: conn.getPrinterAttributes(lab.queue), polls // 10)
        finally:
            lab.stop()


def main() -> None:
    """Run both parts."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--documents", type=int, default=12 if quick() else 500)
    parser.add_argument("--ppm", type=float, default=30.0, help="rated pages per minute")
    parser.add_argument("--time-scale", type=float, default=0.005, help="1.0 = real time")
    parser.add_argument("--in-flight", type=int, default=2)
    parser.add_argument("--polls", type=int, default=200 if quick() else 20_000)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    print(f"bench/print.py on {machine()}")
    duty_cycle(args.documents, args.ppm, args.time_scale, args.in_flight)
    if not args.skip_memory:
        memory(args.polls)


if __name__ == "__main__":
    run(main)
