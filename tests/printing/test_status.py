"""The printer status vocabulary, job options and the CUPS attribute mapping (no CUPS needed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.printer import (BLOCKING, BadDocument, BadOptions, DeviceState, JobPhase, PrinterBlocked,
                             check_can_feed, check_options, parse_reasons, pdf_pages, print_options,
                             strip_severity)
from drivers.printer.cups_driver import job_from_attributes, parse_server
from drivers.printer.errors import PrintRefused
from drivers.printer.ipp_client import split_uri
from drivers.printer.status import device_state, status_from_ipp

from .conftest import make_pdf


@pytest.mark.parametrize("raw, stripped", [
    ("media-jam-report", "media-jam"), ("media-empty-warning", "media-empty"), ("door-open-error", "door-open"),
    ("media-jam", "media-jam"), ("-report", "-report"), ("cups-waiting-for-job-completed", "cups-waiting-for-job-completed"),
])
def test_severity_suffixes_are_stripped(raw, stripped):
    assert strip_severity(raw) == stripped


@pytest.mark.parametrize("state, reasons, expected", [
    (3, ["none"], DeviceState.ONLINE),
    (4, ["none"], DeviceState.BUSY),
    (3, ["media-empty-report"], DeviceState.USER_ERROR),
    (4, ["media-jam-warning", "cups-waiting-for-job-completed"], DeviceState.USER_ERROR),
    (3, ["door-open-error"], DeviceState.USER_ERROR),
    (3, ["toner-empty"], DeviceState.USER_ERROR),
    (3, ["output-area-full-warning"], DeviceState.USER_ERROR),
    (3, ["offline-report"], DeviceState.OFFLINE),
    (5, ["paused"], DeviceState.OFFLINE),
    (5, ["none"], DeviceState.HARDWARE_ERROR),
    (3, ["fuser-over-temp-error"], DeviceState.HARDWARE_ERROR),
    (3, ["toner-low-report"], DeviceState.ONLINE),
])
def test_ipp_states_map_to_the_device_vocabulary(state, reasons, expected):
    assert device_state(state, reasons) is expected


def test_blocking_reasons_refuse_feeding():
    status = status_from_ipp(3, ["media-empty-report", "toner-low-report"], "Idle.")
    assert status.blocking == ("media-empty",) and status.blocked
    with pytest.raises(PrinterBlocked) as caught:
        check_can_feed(status, "kiosk-a4")
    assert caught.value.reasons == ("media-empty",)
    check_can_feed(status_from_ipp(3, ["toner-low-warning"]), "kiosk-a4")
    assert status_from_ipp(3, [], accepting=False).blocking == ("not-accepting-jobs",)


@given(st.lists(st.one_of(st.text(max_size=30), st.integers(), st.none()), max_size=8),
       st.one_of(st.none(), st.integers(0, 9)))
def test_any_reasons_give_a_status_and_never_raise(reasons, state):
    status = status_from_ipp(state, reasons)
    assert isinstance(status.state, DeviceState)
    assert all(r and r == r.strip() and r != "none" for r in status.reasons)
    assert len(set(status.reasons)) == len(status.reasons)
    assert status.blocked == bool(set(status.reasons) & BLOCKING) or status.state is DeviceState.OFFLINE


@given(st.sampled_from(sorted(BLOCKING)), st.sampled_from(["", "-report", "-warning", "-error"]))
def test_every_blocking_reason_blocks_whatever_its_severity(reason, suffix):
    assert status_from_ipp(3, [reason + suffix]).blocked


def test_parse_reasons_accepts_a_single_string():
    assert parse_reasons("media-jam-report") == ("media-jam",)
    assert parse_reasons(None) == ()


def test_options_become_strings_and_bad_ones_are_refused():
    assert print_options(media="iso_a4_210x297mm", sides="two-sided-long-edge", copies=3) == {
        "media": "iso_a4_210x297mm", "sides": "two-sided-long-edge", "copies": "3"}
    assert check_options({"copies": "2"}) == {"copies": "2"}
    for bad in [{"media": "A4 paper"}, {"sides": "both"}, {"copies": 0}, {"copies": "11"}, {"copies": True},
                {"copies": 1.5}, {"raw": "true"}, {"job-hold-until": "indefinite"}, {"colour": "yes"}]:
        with pytest.raises(BadOptions):
            check_options(bad)


def test_pdf_pages_reads_pdfs_and_refuses_the_rest(tmp_path: Path):
    assert pdf_pages(make_pdf(tmp_path / "a.pdf", 4)) == 4
    (tmp_path / "b.pdf").write_text("hello")
    (tmp_path / "c.pdf").write_bytes(b"%PDF-1.7\n%%EOF")
    for name in ("b.pdf", "c.pdf", "missing.pdf"):
        with pytest.raises(BadDocument):
            pdf_pages(tmp_path / name)


@pytest.mark.parametrize("server, expected", [
    ("", (None, None)), ("/run/cups/cups.sock", ("/run/cups/cups.sock", None)),
    ("printhost", ("printhost", 631)), ("printhost:8631", ("printhost", 8631)),
])
def test_cups_server_settings(server, expected):
    assert parse_server(server) == expected


@pytest.mark.parametrize("server", ["host:", ":631", "host:99999", "host:abc"])
def test_bad_cups_server_settings_are_refused(server):
    with pytest.raises(PrintRefused):
        parse_server(server)


def test_printer_uris():
    assert split_uri("ipp://127.0.0.1:8631/ipp/print") == ("ipp", "127.0.0.1", 8631, "/ipp/print")
    assert split_uri("ipps://printer.local/ipp/print") == ("ipps", "printer.local", 631, "/ipp/print")
    for bad in ("http://printer/", "ipp://", "socket://10.0.0.5:9100", "ipp://host:x/"):
        with pytest.raises(PrintRefused):
            split_uri(bad)


def test_cups_job_attributes_map_to_a_printer_job():
    job = job_from_attributes(7, {
        "job-state": 9, "job-name": "doc-1", "job-impressions-completed": 2, "time-at-processing": 1795840536,
        "job-state-reasons": "job-completed-successfully", "job-printer-state-reasons": ["media-jam-report"]})
    assert (job.phase, job.title, job.pages, job.started_at) == (JobPhase.COMPLETED, "doc-1", 2, 1795840536.0)
    assert job.reasons == ("job-completed-successfully", "media-jam")
    pending = job_from_attributes(8, {"job-state": 3, "time-at-processing": 0})
    assert pending.phase is JobPhase.PENDING and pending.started_at is None and pending.pages is None
    assert job_from_attributes(9, {"job-state": "garbage"}).phase is JobPhase.PENDING
    assert job_from_attributes(9, {"job-state": 8}).phase.done


def test_both_drivers_implement_the_printer_interface():
    from drivers.printer import Printer
    from drivers.printer.cups_driver import CupsPrinter
    from simulators.printer import SimPrinter

    sim = SimPrinter()
    try:
        assert isinstance(sim, Printer)
    finally:
        sim.close()
    assert isinstance(CupsPrinter("kiosk-a4", server="/nonexistent.sock"), Printer)
