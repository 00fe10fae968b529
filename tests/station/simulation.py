"""Running `station simulate` as a technician would, and reading its report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

STATION = str(Path(sys.executable).with_name("station"))


def simulate(tmp_path: Path, *args: str, timeout: float = 600) -> dict:
    folder = tmp_path / "station"
    result = subprocess.run([STATION, "simulate", "--dir", str(folder), "--auto-collect", "--exit-when-done",
                             "--quiet", "--port", "0", "--seed", "7", *args],
                            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    start = result.stdout.find("{\n")
    assert start >= 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout[start:result.stdout.rindex("}") + 1])
    assert result.returncode == 0, (report, (folder / "daemon.log").read_text()[-5000:])
    return report


def all_good(report: dict, documents: int, *, kind: str = "locker") -> None:
    assert report["documents"] == documents
    assert report["audit_intact"] and report["checkpoint_problems"] == []
    # The physical truth: no door or shutter opened twice on one document's paper, no paper to another
    # person, no sheet printed beyond the audited reprints.
    assert report["released_twice"] == [] and report["paper_to_wrong_person"] == []
    assert report["door_opened_without_its_citizen"] == [] and report["printed_without_audited_reprint"] == []
    assert report["events_duplicated"] == [] and report["documents_missing_events"] == []
    # (issue 22) every document settled; no sheet left in the printer's tray that no task asked staff to look for
    assert report["documents_unsettled"] == [] and report["sheets_left_in_tray_without_task"] == []
    by_kind = report["backoffice_events_by_kind"]
    # A hold on the way (a latch that jammed, a printer that failed) is told once and the document goes on:
    # a correct run may have some; nothing else is told beyond each document's steps.
    assert set(by_kind) - {"received", "printed", "staged", "released", "collected", "retained"} <= {"held"}
    if kind == "locker":
        assert report["counts"] == {"collected": documents}
        # every document: received, printed, staged, released, collected at the back office, once
        steps = ("received", "printed", "staged", "released", "collected")
        assert [by_kind.get(step, 0) for step in steps] == [documents] * len(steps), by_kind
    else:
        assert set(report["counts"]) <= {"collected", "retained"}
        assert sum(report["counts"].values()) == documents
        # received, printed, released, and collected or retained
        steps = ("received", "printed", "released")
        assert [by_kind.get(step, 0) for step in steps] == [documents] * len(steps), by_kind
        assert by_kind.get("collected", 0) + by_kind.get("retained", 0) == documents, by_kind
        assert "staged" not in by_kind
        assert report["papers_taken"] == report["counts"].get("collected", 0)
