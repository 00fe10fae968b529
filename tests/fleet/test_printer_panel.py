"""The simulated printer's panel file: how a fleet run jams the printer inside a station daemon."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.printer.errors import PrinterBlocked
from simulators.printer import SimPrinter
from simulators.printer_panel import SETTINGS, PanelError, PanelWatch, read_panel, write_panel

def test_a_jam_on_the_panel_blocks_the_printer_until_cleared(tmp_path: Path) -> None:
    panel = tmp_path / "panel"
    printer = SimPrinter(pages_per_minute=600, panel=PanelWatch(panel))
    try:
        assert not printer.status().blocked
        write_panel(panel, jam="1")
        status = printer.status()
        assert status.blocking == ("media-jam",) and status.state.value == "user_error"
        write_panel(panel, paper="empty")  # the jam stays: only what changed is applied
        assert set(printer.status().blocking) == {"media-jam", "media-empty"}
        write_panel(panel, jam="0", paper="loaded")
        assert not printer.status().blocked
        write_panel(panel, power="off")
        assert printer.status().blocking == ("offline",)
        assert read_panel(panel) == {"jam": "0", "paper": "loaded", "power": "off"}
    finally:
        printer.close()


def test_an_unchanged_panel_does_not_undo_a_jam_that_happened_printing(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    pdf = tmp_path / "doc.pdf"
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.write(pdf)
    panel = tmp_path / "panel"
    write_panel(panel, jam="0")
    printer = SimPrinter(pages_per_minute=600, panel=PanelWatch(panel))
    try:
        printer.status()
        printer.jam()
        job = printer.submit(pdf, "doc", {})
        deadline = time.monotonic() + 10
        while not printer.job(job).phase.done and time.monotonic() < deadline:
            time.sleep(0.02)
        assert printer.status().blocking == ("media-jam",)  # the panel still says jam=0, unchanged
        with pytest.raises(PrinterBlocked):
            printer.submit(pdf, "doc", {})
        write_panel(panel, paper="loaded")  # loading paper does not clear a jam
        assert printer.status().blocking == ("media-jam",)
        write_panel(panel, jam="0")  # a person cleared it on the panel
        assert not printer.status().blocked
    finally:
        printer.close()


def test_bad_settings_are_refused_and_change_nothing(tmp_path: Path) -> None:
    panel = tmp_path / "panel"
    write_panel(panel, door="open")
    for bad in ({"jam": "yes"}, {"ink": "low"}, {"door": "open", "power": "maybe"}):
        with pytest.raises(PanelError):
            write_panel(panel, **bad)
    assert read_panel(panel) == {"door": "open"}


@given(st.text(max_size=200))
def test_any_panel_text_reads_as_known_settings_only(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "panel"
        path.write_text(text, errors="surrogateescape") if text.isprintable() else path.write_bytes(
            text.encode("utf-8", "surrogatepass"))
        state = read_panel(path)
        assert all(key in SETTINGS and value in SETTINGS[key] for key, value in state.items())
        PanelWatch(path).changes()
