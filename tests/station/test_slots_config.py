"""The slot table follows the configuration: two buses of two families, and a board cut down in size."""

from __future__ import annotations

from pathlib import Path

import spool
from spool import alarms, intents, slots
from spool.intents import Kind
from station.cli import main

from .simulation import all_good, simulate


def _buses(conn, kind: Kind, outcome: str) -> set[str]:
    found = set()
    for row in conn.execute("SELECT DISTINCT job_id FROM intents WHERE kind = ?", (kind.value,)).fetchall():
        found |= {i.slot.split("-")[0] for i in intents.of_job(conn, row["job_id"], kind)
                  if i.outcome == outcome and i.slot}
    return found


def test_two_buses_of_two_families_load_and_release_on_both(tmp_path: Path) -> None:
    """Bus A (CU16 boards) and bus B (8A/80 boards): documents go into slots on both and out of them."""
    report = simulate(tmp_path, "--buses", "2", "--documents", "12", "--fast")
    all_good(report, 12)
    conn = spool.connect(tmp_path / "station" / "spool.db")
    try:
        assert {s.id.split("-")[0] for s in slots.list_slots(conn)} == {"A", "B"}
        assert _buses(conn, Kind.LOAD, "staged") == {"A", "B"}, "loaded into slots on both buses"
        assert _buses(conn, Kind.UNLOCK, "opened") == {"A", "B"}, "released from slots on both buses"
    finally:
        conn.close()


def test_a_board_cut_from_16_to_4_locks_retires_12_free_slots(tmp_path: Path) -> None:
    folder = tmp_path / "station"
    assert main(["init", str(folder)]) == 0
    config = folder / "station.toml"
    text = config.read_text()
    assert "\nlocks = 16\n" in text
    config.write_text(text.replace("\nlocks = 16\n", "\nlocks = 4\n", 1))
    report = simulate(tmp_path, "--documents", "6", "--fast")  # the lock bus simulator has 4 locks now
    all_good(report, 6)
    conn = spool.connect(folder / "spool.db")
    try:
        kept = {s.id for s in slots.list_slots(conn)}
        retired = [s for s in slots.list_slots(conn, retired=True) if s.retired]
        assert kept == {f"A-1-0{n}" for n in range(1, 5)}
        assert len(retired) == 12 and {s.retired for s in retired} == {slots.BY_CONFIGURATION}
        assert [a.kind for a in alarms.list_alarms(conn) if a.kind.startswith("slot")] == []
        opened = {i.slot for kind in (Kind.LOAD, Kind.UNLOCK)
                  for row in conn.execute("SELECT DISTINCT job_id FROM intents").fetchall()
                  for i in intents.of_job(conn, row["job_id"], kind)}
        assert opened <= kept, "no unlock of a lock that is not there"
    finally:
        conn.close()
