"""The print stage against the in-process simulator: the printing story, fault by fault."""

from __future__ import annotations

from pathlib import Path


from drivers.printer import DeviceState, print_options
from simulators.printer import SimPrinter
import spool
from spool import alarms, audit, machine
from spool.jobs import get_job
from spool.states import Flow, JobState
from station.printing.policy import DispenserPolicy, LockerPolicy
from station.printing.stage import PrintStage

from .conftest import (SeenBy, actions, crashed_after_intent, drive, forgotten_and_printed_again, sha256, stage_for,
                       states)

def all_in(conn, state: JobState, ids) -> bool:
    now = states(conn)
    return all(now[i] == state.value for i in ids)


def test_documents_print_end_to_end_byte_for_byte(conn, add_job, sim):
    jobs = [add_job(f"doc-{n}", pages=n) for n in (1, 2, 3)]
    stage = stage_for(conn, sim)
    drive(stage, lambda: all_in(conn, JobState.PRINTED, [j.id for j in jobs]))
    assert [(o.title, o.pages) for o in sim.output] == [("doc-1", 1), ("doc-2", 2), ("doc-3", 3)]
    for job, out in zip(jobs, sim.output, strict=True):
        assert out.sha256 == sha256(Path(job.pdf_path))
        done = get_job(conn, job.id)
        assert done.printer_job_id is not None and done.print_attempts == 1 and done.pages == out.pages
        assert actions(conn, job.id)[-4:] == ["print.submitting", "job.printing", "print.started", "job.printed"]
    assert audit.verify(conn).ok


def test_never_more_than_max_in_flight(conn, add_job):
    printer = SimPrinter("slow", pages_per_minute=600)  # 100 ms a page
    try:
        ids = [add_job(f"doc-{n}", pages=1).id for n in range(6)]
        stage = stage_for(conn, printer, max_in_flight=2)
        seen: list[int] = []

        def count() -> None:
            seen.append(sum(1 for s in states(conn).values() if s == "printing"))

        drive(stage, lambda: all_in(conn, JobState.PRINTED, ids), between=count)
        assert max(seen) == 2
    finally:
        printer.close()


def test_a_jam_is_retried_with_the_reprint_audited(conn, add_job, sim):
    job = add_job("doc-jam", pages=2)
    sim.jam(jobs=1)
    stage = stage_for(conn, sim)
    drive(stage, lambda: "print.failed" in actions(conn, job.id))
    assert states(conn)["doc-jam"] == "rendered" and sim.status().reasons == ("media-jam",)
    stage.step()
    assert states(conn)["doc-jam"] == "rendered", "a jammed printer is not fed"
    sim.clear_jam()
    drive(stage, lambda: states(conn)["doc-jam"] == "printed")
    trail = actions(conn, job.id)
    assert trail.count("print.failed") == 1 and trail.count("job.reprint") == 1
    assert get_job(conn, job.id).print_attempts == 2
    assert [o.title for o in sim.output] == ["doc-jam"]


def test_jams_every_time_hold_the_job_with_the_reason(conn, add_job, sim):
    job = add_job("doc-jams", pages=1)
    sim.jam(jobs=10)
    stage = stage_for(conn, sim, max_attempts=3)

    def technician() -> None:
        if "media-jam" in sim.status().reasons:
            sim.clear_jam()

    drive(stage, lambda: states(conn)["doc-jams"] == "held", between=technician)
    held = get_job(conn, job.id)
    assert held.held_reason == "media-jam" and held.print_attempts == 3
    trail = actions(conn, job.id)
    assert trail.count("job.reprint") == 2 and trail.count("print.failed") == 2 and trail[-1] == "job.held"
    assert sim.output == []


def test_an_operator_retry_gets_a_fresh_set_of_attempts(conn, add_job, sim):
    job = add_job("doc-retry", pages=1)
    sim.jam(jobs=3)
    stage = stage_for(conn, sim, max_attempts=3)
    drive(stage, lambda: states(conn)["doc-retry"] == "held",
          between=lambda: sim.clear_jam() if "media-jam" in sim.status().reasons else None)
    sim.clear_jam()
    machine.transition(conn, job.id, JobState.RENDERED, actor="operator:ani", reason="retry")
    drive(stage, lambda: states(conn)["doc-retry"] == "printed")
    assert get_job(conn, job.id).print_attempts == 4


def test_a_short_page_count_is_not_printed(conn, add_job, sim):
    job = add_job("doc-short", pages=3)
    sim.short_pages(jobs=1)
    stage = stage_for(conn, sim)
    drive(stage, lambda: states(conn)["doc-short"] == "printed")
    failed = [e for e in audit.entries(conn, job=job.id) if e.action == "print.failed"]
    assert len(failed) == 1
    assert failed[0].details["reason"] == "page-count-mismatch"
    assert (failed[0].details["pages_expected"], failed[0].details["pages_reported"]) == (3, 2)


def test_paper_out_stops_feeding_and_printing_resumes_by_itself(conn, add_job, sim):
    ids = [add_job(f"doc-{n}").id for n in range(3)]
    sim.paper_out()
    stage = stage_for(conn, sim)
    for _ in range(3):
        report = stage.step()
    assert report.status.state is DeviceState.USER_ERROR and report.status.blocking == ("media-empty",)
    assert report.fed == 0 and set(states(conn).values()) == {"rendered"}
    assert all(get_job(conn, i).print_attempts == 0 for i in ids)
    assert [a.kind for a in alarms.list_alarms(conn, open_only=True)] == ["printer.blocked"]
    sim.refill()
    drive(stage, lambda: all_in(conn, JobState.PRINTED, ids))


def test_paper_running_out_mid_job_waits_instead_of_failing(conn, add_job):
    printer = SimPrinter("slow", pages_per_minute=1200)
    try:
        job = add_job("doc-long", pages=3)
        stage = stage_for(conn, printer)
        drive(stage, lambda: printer.status().state is DeviceState.BUSY)
        printer.paper_out()
        for _ in range(5):
            stage.step()
        assert states(conn)["doc-long"] == "printing"
        printer.refill()
        drive(stage, lambda: states(conn)["doc-long"] == "printed")
        assert "print.failed" not in actions(conn, job.id)
    finally:
        printer.close()


def test_offline_printer_loses_nothing(conn, add_job, sim):
    ids = [add_job(f"doc-{n}", pages=2).id for n in range(4)]
    stage = stage_for(conn, sim)
    sim.power_off()
    report = stage.step()
    assert report.status.state is DeviceState.OFFLINE and report.fed == 0
    sim.power_on()
    drive(stage, lambda: all_in(conn, JobState.PRINTED, ids))
    assert sorted(o.title for o in sim.output) == sorted(ids)


def test_dispenser_jobs_go_first_and_retry_in_place(conn, add_job, sim):
    locker = add_job("locker-1", pages=1)
    waiting = add_job("disp-1", pages=1, flow=Flow.DISPENSER)
    not_released = add_job("disp-2", pages=1, flow=Flow.DISPENSER, released=False)
    sim.jam(jobs=1)
    stage = stage_for(conn, sim, max_in_flight=1)
    drive(stage, lambda: states(conn)["locker-1"] == "printed",
          between=lambda: sim.clear_jam() if "media-jam" in sim.status().reasons else None)
    assert states(conn)["disp-1"] == "printed" and states(conn)[not_released.id] == "rendered"
    assert [o.title for o in sim.output] == ["disp-1", "locker-1"]
    trail = actions(conn, waiting.id)
    assert "job.released" in trail and "print.failed" in trail and "print.submitted" in trail
    assert "job.rendered" not in trail[trail.index("job.printing"):], "a dispenser job stays printing"
    assert get_job(conn, locker.id).print_attempts == 1


def test_output_sensor_decides(conn, add_job, sim):
    ticks = [0.0]
    seen = {"doc-seen": True, "doc-unseen": False}
    add_job("doc-seen")
    add_job("doc-unseen")
    stage = stage_for(conn, sim, sensor=SeenBy(lambda job: seen[job.id]), sensor_seconds=5.0, clock=lambda: ticks[0],
                      max_attempts=1)

    def later() -> None:
        ticks[0] += 1.0

    drive(stage, lambda: states(conn)["doc-seen"] == "printed" and states(conn)["doc-unseen"] == "held",
          between=later)
    assert get_job(conn, "doc-unseen").held_reason == "output-not-seen"


def test_bad_documents_are_held_without_spending_an_attempt(conn, add_job, sim, tmp_path):
    gone = add_job("doc-gone")
    Path(gone.pdf_path).unlink()
    changed = add_job("doc-changed")
    Path(changed.pdf_path).write_bytes(Path(changed.pdf_path).read_bytes() + b"\n%tampered\n")
    garbage = add_job("doc-garbage")
    Path(garbage.pdf_path).write_bytes(b"%PDF-1.4\nthis is not a pdf")
    stage = stage_for(conn, sim)
    stage.step()
    held = {i: get_job(conn, i) for i in ("doc-gone", "doc-changed", "doc-garbage")}
    assert {i: j.held_reason for i, j in held.items()} == {
        "doc-gone": "document-unreadable", "doc-changed": "document-changed", "doc-garbage": "document-unreadable"}
    assert all(j.print_attempts == 0 for j in held.values()) and sim.output == []


def test_bad_template_options_hold_the_job(conn, add_job, sim):
    add_job("doc-opts")
    stage = stage_for(conn, sim, options_for=lambda job: {"media": "A4; rm -rf /"})
    stage.step()
    assert get_job(conn, "doc-opts").held_reason == "print-options"


def test_options_reach_the_printer_as_strings(conn, add_job, sim):
    add_job("doc-copies", pages=2)
    stage = stage_for(conn, sim, options_for=lambda job: {"media": "iso_a4_210x297mm", "copies": 2,
                                                          "sides": "two-sided-long-edge"})
    drive(stage, lambda: states(conn)["doc-copies"] == "printed")
    assert sim.output[0].pages == 4  # two copies of two pages
    assert print_options(media="iso_a4_210x297mm", copies=2) == {
        "media": "iso_a4_210x297mm", "sides": "one-sided", "copies": "2"}


def test_a_job_cancelled_while_printing_is_cancelled_at_the_printer(conn, add_job):
    printer = SimPrinter("slow", pages_per_minute=60)
    try:
        job = add_job("doc-cancel", pages=5)
        stage = stage_for(conn, printer)
        drive(stage, lambda: states(conn)["doc-cancel"] == "printing")
        machine.transition(conn, job.id, JobState.CANCELLED, actor="backoffice:dukcapil", reason="withdrawn")
        stage.step()
        assert stage.flights == {}
        assert printer.job(get_job(conn, job.id).printer_job_id).phase.value == "canceled"
    finally:
        printer.close()


def test_a_spooler_sending_a_job_again_is_a_recorded_reprint(conn, add_job):
    printer = SimPrinter("slow", pages_per_minute=1200)
    try:
        job = add_job("doc-resent", pages=3)
        stage = stage_for(conn, printer)
        drive(stage, lambda: "print.started" in actions(conn, job.id))
        printer.restart_spooler()
        drive(stage, lambda: states(conn)["doc-resent"] == "printed")
        # Caught either way: the new start time (sent again), or the job seen back in the queue
        # (cancelled there and reprinted by the station).
        trail = actions(conn, job.id)
        reprints = trail.count("job.reprint") + trail.count("print.resent")
        assert reprints >= 1
        assert 1 <= len(printer.output) <= 1 + reprints
    finally:
        printer.close()


def test_a_job_the_printer_forgot_is_printed_again_with_an_audit(conn, add_job):
    with forgotten_and_printed_again(conn, add_job, "doc-forgot") as job:
        failed = [e.details["reason"] for e in audit.entries(conn, job=job.id) if e.action == "print.failed"]
        assert failed == ["printer-job-lost"] and "job.reprint" in actions(conn, job.id)


# -- recovery after a station restart -----------------------------------------

def test_recovery_resumes_jobs_in_flight(conn, add_job):
    printer = SimPrinter("slow", pages_per_minute=600)
    try:
        ids = [add_job(f"doc-{n}", pages=2).id for n in range(2)]
        first = stage_for(conn, printer)
        first.step()
        assert set(states(conn).values()) == {"printing"}
        second = stage_for(conn, printer)  # the station restarted
        report = second.recover()
        assert sorted(report.resumed) == ids
        drive(second, lambda: all_in(conn, JobState.PRINTED, ids))
        assert len(printer.output) == 2
    finally:
        printer.close()


def test_recovery_adopts_a_job_submitted_just_before_a_crash(conn, add_job, sim):
    job = add_job("doc-orphan", pages=2)
    # The stage recorded its intent and submitted, then died before recording the outcome.
    crashed_after_intent(conn, job.id)
    orphan = sim.submit(Path(job.pdf_path), job.id, {"media": "iso_a4_210x297mm"})
    stage = stage_for(conn, sim)
    report = stage.recover()
    assert report.adopted == [job.id]
    assert get_job(conn, job.id).printer_job_id == orphan
    drive(stage, lambda: states(conn)["doc-orphan"] == "printed")
    assert [o.title for o in sim.output] == ["doc-orphan"], "no blind second print"
    assert "job.reprint" not in actions(conn, job.id)


def test_recovery_writes_off_an_intent_that_never_reached_the_printer(conn, add_job, sim):
    job = add_job("doc-unsent", pages=1)
    crashed_after_intent(conn, job.id)
    stage = stage_for(conn, sim)
    report = stage.recover()
    assert report.abandoned == [job.id] and get_job(conn, job.id).print_attempts == 0
    drive(stage, lambda: states(conn)["doc-unsent"] == "printed")
    assert get_job(conn, job.id).print_attempts == 1 and len(sim.output) == 1


def test_recovery_of_a_dispenser_job_between_attempts(conn, add_job, sim):
    job = add_job("disp-between", pages=1, flow=Flow.DISPENSER)
    sim.jam(jobs=1)
    first = stage_for(conn, sim)
    drive(first, lambda: "print.failed" in actions(conn, job.id))
    sim.clear_jam()
    second = stage_for(conn, sim)
    assert second.recover().retries == [job.id]
    drive(second, lambda: states(conn)["disp-between"] == "printed")
    assert [o.title for o in sim.output] == ["disp-between"]


def test_the_stage_runs_in_its_own_thread(conn, add_job, sim, tmp_path):

    ids = [add_job(f"doc-{n}").id for n in range(3)]
    stage = PrintStage(spool.connect(tmp_path / "spool.db"), sim)
    stage.start(poll_seconds=0.01)
    try:
        import time

        deadline = time.monotonic() + 30
        while not all_in(conn, JobState.PRINTED, ids) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        stage.stop()
    assert all_in(conn, JobState.PRINTED, ids)


def test_recovery_waits_for_a_printer_it_cannot_ask(conn, add_job, sim):
    from drivers.printer import PrinterUnreachable

    class Unreachable:
        """The simulator, but the spooler does not answer job lists at first."""

        def __init__(self, printer: SimPrinter) -> None:
            self.printer, self.name, self.down = printer, printer.name, True

        def jobs_titled(self, title: str):
            if self.down:
                raise PrinterUnreachable("the spooler does not answer")
            return self.printer.jobs_titled(title)

        def __getattr__(self, name: str):
            return getattr(self.printer, name)

    pending = add_job("doc-intent")
    other = add_job("doc-other")
    crashed_after_intent(conn, pending.id)
    printer = Unreachable(sim)
    stage = stage_for(conn, printer)
    for _ in range(3):
        assert stage.step().fed == 0, "nothing is fed while an intent is unresolved"
    assert states(conn)[other.id] == "rendered"
    printer.down = False
    drive(stage, lambda: all_in(conn, JobState.PRINTED, [pending.id, other.id]))
    assert "print.abandoned" in actions(conn, pending.id) and len(sim.output) == 2


def test_printing_ahead_stops_at_the_free_slots_plus_the_margin(conn, add_job, sim):
    """A full locker gathers no pile of loose paper: locker jobs are printed while there is room for them."""
    from spool import slots

    slots.add_slots(conn, [(f"A-1-0{n}", "M", False) for n in (1, 2)])
    ids = [add_job(f"ahead-{n}").id for n in range(6)]
    stage = stage_for(conn, sim, policies=(DispenserPolicy(), LockerPolicy(ahead_margin=1)), max_in_flight=4)
    drive(stage, lambda: sum(states(conn)[i] == "printed" for i in ids) == 3)
    for _ in range(20):
        stage.step()
    assert sorted(states(conn)[i] for i in ids) == ["printed"] * 3 + ["rendered"] * 3
    # A document staged frees nothing (its slot is taken); a slot freed makes room for one more.
    slots.occupy(conn, "A-1-01", ids[0], actor="system")
    machine.transition(conn, ids[0], "staged", actor="system")
    machine.transition(conn, ids[0], "released", actor="system")
    machine.transition(conn, ids[0], "collected", actor="system")
    drive(stage, lambda: sum(states(conn)[i] == "printed" for i in ids) == 3 and states(conn)[ids[3]] == "printed")
    assert sum(states(conn)[i] == "rendered" for i in ids) == 2
