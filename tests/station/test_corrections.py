"""The whole station on simulators: the back office corrects and withdraws documents (PROTOCOLS §7.1).

- corrected before release: the citizen receives the new version (the seal on
  the paper released carries the new data's digest);
- corrected after release: refused, and the back office is told (`held`,
  `correction_refused`);
- withdrawn: the scan is refused with the word `cancelled`, and the back
  office hears `cancelled` by the office.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from station_support import job, state, wait

import spool
from spool import audit, jobs
from spool.states import JobState
from simulators.backoffice.office import corrected_name
from station.runtime.control import ControlClient
from station.trust.seal import SealError, verify_seal
from simulators.station.simulate import Options, SimulatedStation
from station.templates.readback import read_seal
from station.trust.store import TrustStore
from station.runtime import ops



def heard(station: SimulatedStation, doc_id: str, event: str) -> list[dict[str, Any]]:
    return [e["detail"] for e in station.office.events(doc_id) if e["event"] == event]


@pytest.mark.timeout(600)
def test_corrections_and_withdrawals_through_the_whole_station(tmp_path: Path) -> None:
    station = SimulatedStation(Options(folder=tmp_path / "station", documents=3, port=0, pin_ratio=0.0,
                                       printer_ppm=600, seed=5, fast=True))
    station.start()
    try:
        kiosk = ControlClient(station.cfg.path(station.cfg.paths.control_socket), timeout=20)  # type: ignore[arg-type]
        corrected, released, withdrawn = (a.id for a in station.office.approvals())
        wait(lambda: all(state(station, d) is JobState.STAGED for d in (corrected, released, withdrawn)),
             240, "three staged documents")
        old_data = dict(station.office.approval(corrected).document["data"])
        assert kiosk.call(ops.KIOSK_SCAN, {"text": station.office.token(released)})["screen"] == "open"
        wait(lambda: state(station, released) is JobState.COLLECTED, 60, "the second document collected")

        change = corrected_name(old_data)  # the holder's name, words swapped: it fits the form
        (field, _), = change.items()
        new_data = {**old_data, **change}
        station.office.correct(corrected, change)
        station.office.correct(released)
        station.office.withdraw(withdrawn, "data_error")

        # Before release: replaced, printed and loaded again; the old paper's slot waits for staff.
        old_slot = _slot(job(station, corrected))
        wait(lambda: _revision(job(station, corrected)) == 1 and state(station, corrected) is JobState.STAGED,
             240, "the corrected document staged again")
        assert _slot(job(station, corrected)) != old_slot
        # After release: refused and reported.
        refused = wait(lambda: heard(station, released, "held"), 60, "the refused correction reported")
        assert refused[0]["reason"] == "correction_refused" and refused[0]["state"] == "collected"
        assert state(station, released) is JobState.COLLECTED
        # Withdrawn: the scan is refused with the right words, the office hears `cancelled`.
        wait(lambda: state(station, withdrawn) is JobState.CANCELLED, 60, "the withdrawal taken")
        view = kiosk.call(ops.KIOSK_SCAN, {"text": station.office.token(withdrawn)})
        assert (view["screen"], view["reason"]) == ("refused", "cancelled")
        assert view["message"]["id"] and view["message"]["en"]
        cancelled = wait(lambda: heard(station, withdrawn, "cancelled"), 60, "cancelled reported")
        assert cancelled[0]["by"] == "office"

        # The citizen collects the corrected document: the paper released is the new version.
        assert kiosk.call(ops.KIOSK_SCAN, {"text": station.office.token(corrected)})["screen"] == "open"
        wait(lambda: state(station, corrected) is JobState.COLLECTED, 60, "the corrected document collected")
        trust = TrustStore.load(station.cfg.path(station.cfg.paths.trust_store))  # type: ignore[arg-type]
        seal = read_seal(job(station, corrected).pdf_path)  # type: ignore[union-attr,arg-type]
        assert verify_seal(seal, trust, data=new_data).claims.document == corrected
        with pytest.raises(SealError) as old:
            verify_seal(seal, trust, data=old_data)
        assert old.value.reason == "data_mismatch"
        wait(lambda: any(d.get("revision") == 1 for d in heard(station, corrected, "collected")), 60,
             "the new revision's collection reported")
        conn = spool.connect(station.cfg.spool_path)
        try:
            assert audit.verify(conn).ok
            personal = json.dumps([e.details for e in audit.entries(conn)])
            assert new_data[field] not in personal  # no text from a document in the audit
        finally:
            conn.close()
    finally:
        station.stop()


def _revision(found: jobs.Job | None) -> int:
    return -1 if found is None else int(json.loads(found.payload or "{}").get("revision", 0))


def _slot(found: jobs.Job | None) -> str | None:
    return None if found is None else found.slot
