"""The serial scanner driver against the scanner simulator on a real pty; `station scan`."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from drivers.scanner import SerialScanner
from simulators.scanner import ScannerSim
from station.cli import main


@pytest.fixture
def sim(tmp_path: Path):  # type: ignore[no-untyped-def]
    s = ScannerSim(tmp_path / "scanner", baud=115200).start()
    yield s
    s.stop()


@pytest.mark.parametrize("end", ["cr", "lf", "crlf"])
def test_scans_arrive_whole(tmp_path: Path, end: str) -> None:
    with ScannerSim(tmp_path / "scanner", baud=115200, end=end) as sim, \
            SerialScanner(str(sim.link.link), 115200) as scanner:
        sim.send("MPP1:FIRST")
        sim.send("MPP1:SECOND")
        assert [scanner.read(2).text, scanner.read(2).text] == ["MPP1:FIRST", "MPP1:SECOND"]  # type: ignore[union-attr]
        assert scanner.read(0.1) is None


def test_a_partial_scan_is_dropped_after_the_timeout(sim: ScannerSim) -> None:
    with SerialScanner(str(sim.link.link), 115200, partial_timeout=0.1) as scanner:
        sim.send_raw(b"MPP1:CUT-OFF")
        assert scanner.read(0.3) is None
        sim.send("MPP1:NEXT")
        scan = scanner.read(2)
        assert scan is not None and scan.text == "MPP1:NEXT"
        assert scanner.splitter.dropped == 1


def test_a_long_scan_at_9600_baud_is_not_cut(tmp_path: Path) -> None:
    text = "MPP1:" + "A" * 395  # the longest token: 400 characters, 0.4 s on the wire
    with ScannerSim(tmp_path / "scanner", baud=9600) as sim, SerialScanner(str(sim.link.link), 9600) as scanner:
        sender = threading.Thread(target=sim.send, args=(text,))
        sender.start()
        scan = scanner.read(3)
        sender.join()
        assert scan is not None and scan.text == text


def test_the_scanner_is_found_again_after_unplugging(tmp_path: Path) -> None:
    link = tmp_path / "scanner"
    sim = ScannerSim(link, baud=115200).start()
    scanner = SerialScanner(str(link), 115200)
    scanner.open()
    try:
        sim.send_raw(b"MPP1:HALF")
        sim.stop()  # unplugged mid-scan
        assert scanner.read(0.3) is None and not scanner.online
        sim = ScannerSim(link, baud=115200).start()

        def later() -> None:
            time.sleep(0.5)
            sim.send("MPP1:AFTER")
        threading.Thread(target=later, daemon=True).start()
        scan = scanner.read(5)
        assert scan is not None and scan.text == "MPP1:AFTER" and scanner.online
    finally:
        scanner.close()
        sim.stop()


def test_station_scan_prints_scans(sim: ScannerSim, capsys: pytest.CaptureFixture[str]) -> None:
    done = threading.Event()

    def feed() -> None:  # keep scanning until the command has its two: it may open the port late
        number = 0
        while not done.is_set():
            number += 1
            sim.send(f"MPP1:{number}")
            time.sleep(0.1)
    threading.Thread(target=feed, daemon=True).start()
    try:
        assert main(["scan", "--port", str(sim.link.link), "--baud", "115200", "--count", "2", "--json"]) == 0
    finally:
        done.set()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    first, second = (int(line["text"].removeprefix("MPP1:")) for line in lines)
    assert second == first + 1 and "at" in lines[0]


def test_station_scan_timeout(sim: ScannerSim, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", "--port", str(sim.link.link), "--timeout", "0.2"]) == 1
    assert "no scan within" in capsys.readouterr().err


def test_sim_scanner_command_line(tmp_path: Path) -> None:
    """`station sim scanner` sends each line of its standard input as a scan."""
    link = tmp_path / "scanner"
    station = str(Path(sys.executable).with_name("station"))
    proc = subprocess.Popen([station, "sim", "scanner", "--link", str(link), "--baud", "115200"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while not link.exists():
            assert time.monotonic() < deadline, "no link from the simulator"
            time.sleep(0.05)
        # The reader may open the port in the middle of a line: its first scan can be that line's
        # tail (a scanner cannot mark where a line began). Three scans give two whole ones.
        reader = subprocess.Popen([station, "scan", "--port", str(link), "--baud", "115200", "--count", "3",
                                   "--timeout", "20"], stdout=subprocess.PIPE, text=True)
        assert proc.stdin is not None
        number = 0
        while reader.poll() is None and number < 200:  # until the reader (started late) has two
            number += 1
            proc.stdin.write(f"#{number} is data, not a comment\n")
            proc.stdin.flush()
            time.sleep(0.1)
        out, _ = reader.communicate(timeout=15)
        lines = out.splitlines()[1:]
        first, second = (int(line.split()[0][1:]) for line in lines)
        assert second == first + 1 and lines[0].endswith(" is data, not a comment")
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert proc.returncode == 0


def test_open_scanner_from_the_configuration(tmp_path: Path) -> None:
    from drivers.scanner import open_scanner
    from station.config import ScannerSection

    assert open_scanner(ScannerSection(driver="none")) is None
    with ScannerSim(tmp_path / "run" / "scanner", baud=115200) as sim:
        scanner = open_scanner(ScannerSection(port="run/scanner", baud=115200), base_dir=tmp_path)
        assert scanner is not None
        try:
            sim.send("MPP1:CONFIGURED")
            scan = scanner.read(2)
            assert scan is not None and scan.text == "MPP1:CONFIGURED"
        finally:
            scanner.close()


def test_sim_scanner_survives_a_line_that_is_not_utf8(tmp_path: Path) -> None:
    """A line of bytes that are not UTF-8 is sent as it came; the next line still goes out."""
    link = tmp_path / "scanner"
    station = str(Path(sys.executable).with_name("station"))
    proc = subprocess.Popen([station, "sim", "scanner", "--link", str(link), "--baud", "115200"],
                            stdin=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 10
        while not link.exists():
            assert time.monotonic() < deadline, "no link from the simulator"
            time.sleep(0.05)
        with SerialScanner(str(link), 115200) as scanner:
            assert proc.stdin is not None
            proc.stdin.write(b"MPP1:\xff\xfe\n")
            proc.stdin.write(b"MPP1:AFTER\n")
            proc.stdin.flush()
            first, second = scanner.read(5), scanner.read(5)
        assert first is not None and second is not None and second.text == "MPP1:AFTER"
        assert first.text.startswith("MPP1:") and first.text != "MPP1:"
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0 and b"Traceback" not in err
