"""The print stage against the real CUPS scheduler and ippeveprinter (the lab).

These are the issue's "done when" stories: a document printed end to end,
byte for byte; a jam held after the retries; paper out then refilled; the
printer's plug pulled; cupsd restarted in the middle of a job.
"""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from drivers.printer import DeviceState, JobPhase, PrinterBlocked
from drivers.printer.cups_driver import CupsPrinter
import spool
from spool import audit, intents, machine
from spool.jobs import get_job
from station.printing.settings import StageSettings
from station.printing.stage import PrintStage

from .conftest import actions, drive, make_pdf, states

pytestmark = pytest.mark.cups


def printer_for(lab, queue: str) -> CupsPrinter:
    return CupsPrinter(queue, server=lab.server, printer_uri=lab.printer_uri)


def stage_for(conn, lab, queue: str, **settings) -> PrintStage:
    return PrintStage(conn, printer_for(lab, queue), StageSettings(**settings))


def printed_titles(lab, ids) -> list[str]:
    return [p.title for p in lab.printed() if p.title in ids]


def test_a_document_prints_end_to_end_byte_for_byte(conn, add_job, lab, queue):
    jobs = [add_job("cups-e2e-1", pages=1), add_job("cups-e2e-3", pages=3)]
    ids = [j.id for j in jobs]
    stage = stage_for(conn, lab, queue)
    drive(stage, lambda: all(states(conn)[i] == "printed" for i in ids))
    for job in jobs:
        [out] = [p for p in lab.printed() if p.title == job.id]
        assert filecmp.cmp(out.file, job.pdf_path, shallow=False), "the printer got other bytes"
        assert out.pages == get_job(conn, job.id).pages
        assert actions(conn, job.id)[-2:] == ["print.started", "job.printed"]
    assert audit.verify(conn).ok
    # Citizens' documents do not linger at the spooler: printed jobs are purged from CUPS.
    printer = printer_for(lab, queue)
    for job in jobs:
        assert printer.jobs_titled(job.id) == []


def test_a_jam_is_held_after_the_retries(conn, add_job, lab, queue):
    job = add_job("cups-jam", pages=2)
    lab.set_fault("media-jam")
    stage = stage_for(conn, lab, queue, max_attempts=3)

    def technician() -> None:
        # Someone opens the printer and pulls the paper out each time it jams.
        if stage.watch.last_status is not None and "media-jam" in stage.watch.last_status.reasons:
            lab.clear_printer()

    drive(stage, lambda: states(conn)[job.id] == "held", between=technician, timeout=90, pause=0.2)
    held = get_job(conn, job.id)
    assert held.held_reason == "media-jam" and held.print_attempts == 3
    assert [t for t, _ in lab.faulted()].count(job.id) == 3
    assert printed_titles(lab, [job.id]) == []
    assert actions(conn, job.id).count("job.reprint") == 2


def test_paper_out_then_refilled_printing_resumes_by_itself(conn, add_job, lab, queue):
    lab.set_paper(0)
    ids = [add_job(f"cups-paper-{n}", pages=1).id for n in range(2)]
    stage = stage_for(conn, lab, queue)
    for _ in range(3):
        report = stage.step()
    assert report.status.blocking == ("media-empty",) and report.status.state is DeviceState.USER_ERROR
    assert set(states(conn)[i] for i in ids) == {"rendered"}, "an empty printer is not fed"
    lab.set_paper(250)
    drive(stage, lambda: all(states(conn)[i] == "printed" for i in ids), pause=0.2)
    assert sorted(printed_titles(lab, ids)) == sorted(ids)


def test_the_printer_killed_goes_offline_and_nothing_is_lost(conn, add_job, lab, queue):
    lab.set_page_seconds(0.5)
    ids = [add_job(f"cups-kill-{n}", pages=2).id for n in range(3)]
    stage = stage_for(conn, lab, queue, max_in_flight=2)
    drive(stage, lambda: ids[0] in lab.started(), pause=0.05)
    lab.stop_printer()
    drive(stage, lambda: stage.watch.last_status.state is DeviceState.OFFLINE, pause=0.1)
    submitted = sum(1 for i in ids if get_job(conn, i).print_attempts)
    for _ in range(5):
        stage.step()
    assert sum(1 for i in ids if get_job(conn, i).print_attempts) == submitted, "an offline printer is not fed"
    lab.start_printer()
    drive(stage, lambda: all(states(conn)[i] == "printed" for i in ids), timeout=120, pause=0.2)
    printed = printed_titles(lab, ids)
    assert sorted(set(printed)) == sorted(ids), "nothing lost"
    for job_id in ids:
        if printed.count(job_id) > 1:
            assert "job.reprint" in actions(conn, job_id), f"{job_id} printed twice without a record"


def test_cupsd_restarted_mid_job_no_silent_second_print(conn, add_job, lab, queue):
    lab.set_page_seconds(1.0)
    job = add_job("cups-restart", pages=2)
    stage = stage_for(conn, lab, queue)
    drive(stage, lambda: job.id in lab.started() and "print.started" in actions(conn, job.id), pause=0.05)
    lab.restart_cupsd()
    drive(stage, lambda: states(conn)[job.id] == "printed", timeout=120, pause=0.2)
    copies = printed_titles(lab, [job.id]).count(job.id)
    trail = actions(conn, job.id)
    assert "print.requeued" in trail or "job.reprint" in trail, "the restart went unnoticed"
    assert copies >= 1
    assert trail.count("job.reprint") >= copies - 1, "every copy beyond the first is in the audit"
    print(f"cupsd restart: {copies} cop{'y' if copies == 1 else 'ies'}; trail {trail[2:]}")


def test_recovery_adopts_a_cups_job_submitted_just_before_a_crash(conn, add_job, lab, queue):
    job = add_job("cups-orphan", pages=1)
    with spool.write(conn):  # what the stage writes before it submits (the intent), and nothing after
        machine.annotate(conn, job.id, "print.submitting", actor="system", details={"attempt": 1}, print_attempts=1)
        intents.record(conn, intents.Kind.PRINT, job=job.id, detail={"attempt": 1}, audited=False)
    printer = printer_for(lab, queue)
    orphan = printer.submit(Path(job.pdf_path), job.id, {"media": "iso_a4_210x297mm"})
    stage = PrintStage(conn, printer)
    assert stage.recover().adopted == [job.id]
    drive(stage, lambda: states(conn)[job.id] == "printed", pause=0.2)
    assert get_job(conn, job.id).printer_job_id == orphan
    assert printed_titles(lab, [job.id]) == [job.id], "no blind second print"


def test_driver_watches_the_idle_printer_and_the_queue(lab, queue, tmp_path):
    printer = printer_for(lab, queue)
    assert printer.status().state is DeviceState.ONLINE
    lab.set_paper(0)
    status = printer.status()
    assert status.source == "printer" and "media-empty" in status.blocking
    with pytest.raises(PrinterBlocked):
        printer.submit(make_pdf(tmp_path / "x.pdf", 1), "never-sent", {})
    lab.set_paper(250)
    import cups

    admin = cups.Connection(host=lab.server)
    admin.disablePrinter(queue)
    assert "paused" in printer.status().blocking
    admin.enablePrinter(queue)
    assert not printer.status().blocked
    assert printer.job(999_999).phase is JobPhase.GONE


def test_driver_reports_a_stopped_scheduler_as_offline(lab, queue):
    printer = printer_for(lab, queue)
    lab.stop_cupsd()
    status = printer.status()
    assert status.state is DeviceState.OFFLINE and status.blocking == ("scheduler-unreachable",)
    lab.start_cupsd()
    assert printer.status().state is DeviceState.ONLINE
