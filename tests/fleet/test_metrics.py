"""`/metrics`: what a station tells Prometheus, read from a real spool, checked by `promtool check metrics`."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from prometheus_client.parser import text_string_to_metric_families

import spool
from spool import alarms, audit, machine, slots
from spool.states import Flow, JobState
from station import config
from spool import outbox
from station.web.metrics import DaemonFacts, StationMetrics

S = JobState
LOCKER_LIFE = [S.RENDERED, S.PRINTING, S.PRINTED, S.STAGED, S.RELEASED, S.COLLECTED]
DEVICES = {"printer": {"state": "user_error", "reasons": ["media-jam"], "blocking": ["media-jam"]},
           "buses": [{"name": "A", "state": "online"}, {"name": "B", "state": "unreachable"}],
           "scanner": {"driver": "serial", "state": "online"}}
BACKOFFICE = {"feed": {"last_ok_at": "2026-03-01T10:00:00.500Z"}, "outbox": {}}


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of an exposition, keyed by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels: str) -> float:
    return samples(text)[(name, tuple(sorted(labels.items())))]


def walk(conn, job_id: str, path: list[JobState], *, slot: str | None = None, pages: int = 2,
         expires: str = "2099-01-01T00:00:00Z", flow: Flow = Flow.LOCKER) -> None:
    """A job through `path`, the printed step with its page count and the release with its unlock outcome."""
    machine.create_job(conn, job_id, flow=flow, template="akta-kelahiran", template_version=3, payload="{}",
                       pickup_expires=expires)
    for target in path:
        if target is S.STAGED and slot:
            slots.occupy(conn, slot, job_id, actor="system")
        details = {"pages": pages} if target is S.PRINTED else None
        machine.transition(conn, job_id, target, actor="system", details=details,
                           reason="printer failed" if target is S.HELD else None)
        if target is S.RELEASED and flow is Flow.LOCKER:
            with spool.write(conn):
                audit.append(conn, "system", "unlock.opened", job=job_id, slot=slot)


@pytest.fixture
def station(station_dir: Path):
    cfg = config.load(station_dir / "station.toml")
    conn = spool.connect(cfg.spool_path)
    ids = [sid for sid, _, _ in cfg.slot_layout()]
    soon = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
    walk(conn, "DONE-1", LOCKER_LIFE, slot=ids[0], pages=3)
    walk(conn, "DONE-2", LOCKER_LIFE, slot=ids[0], pages=1)
    walk(conn, "WAITING-1", LOCKER_LIFE[:4], slot=ids[1], expires=soon)
    walk(conn, "WAITING-2", LOCKER_LIFE[:4], slot=ids[2])
    walk(conn, "NEW-1", [], expires=soon)
    walk(conn, "HELD-1", [S.RENDERED, S.HELD])
    machine.annotate(conn, "WAITING-2", "job.reprint", actor="system")
    slots.set_service(conn, ids[3], True, actor="technician:t", note="door hinge")
    walk(conn, "DISP-1", [S.RENDERED, S.RELEASED], flow=Flow.DISPENSER)
    with spool.write(conn):  # as spool/intents.py audits outcomes
        audit.append(conn, "technician:t", "manual_open.opened", slot=ids[4], details={"intent": 1})
        audit.append(conn, "system", "unlock.jammed", job="WAITING-2", slot=ids[2], details={"intent": 2})
        audit.append(conn, "system", "present.shutter_opened", job="DISP-1", slot="A-1-16", details={"intent": 3})
        audit.append(conn, "system", "present.ended", job="DISP-1", slot="A-1-16", details={"intent": 3})
    for event in outbox.pending(conn, 1000):  # the events the walks queued: the back office took them
        outbox.mark_sent(conn, event.id)
    for doc_id, at in (("DONE-1", "2026-03-01T09:00:00Z"), ("DONE-2", "2026-03-01T09:30:00Z")):  # two waiting
        outbox.enqueue(conn, doc_id, "held", at=at, detail={"reason": "withdrawal_refused"}, key="withdrawal:0")
    alarms.raise_alarm(conn, "door_left_open", "door left open", severity="warning", slot=ids[1])
    alarms.raise_alarm(conn, "door_forced", "door opened without unlock", severity="critical", slot=ids[5])
    conn.execute("INSERT INTO checkpoints (seq, hash, at, kid, signature) VALUES (1, 'aa', ?, 'k', 's')",
                 ("2026-03-01T08:00:00Z",))
    yield cfg, conn, ids
    conn.close()


def test_the_spool_as_prometheus_sees_it(station) -> None:
    cfg, conn, ids = station
    text = StationMetrics(cfg).exposition(DaemonFacts(DEVICES, BACKOFFICE)).decode()
    assert value(text, "station_info", station_id="MPP-DEMO-01", site=cfg.station.name, kind="locker",
                 version=value_label(text, "station_info", "version")) == 1
    assert value(text, "station_jobs", state="collected") == 2 and value(text, "station_jobs", state="staged") == 2
    assert value(text, "station_jobs", state="held") == 1 and value(text, "station_jobs", state="expired") == 0
    assert value(text, "station_documents_ready") == 2
    assert value(text, "station_documents_expiring") == 2  # WAITING-1 and NEW-1: their window ends within the day
    assert value(text, "station_slots", status="occupied") == 2
    assert value(text, "station_slots", status="out_of_service") == 1
    assert value(text, "station_slots", status="free") == len(ids) - 3
    assert value(text, "station_outbox_events") == 2
    assert value(text, "station_outbox_oldest_event_timestamp_seconds") == 1772355600.0  # 2026-03-01T09:00:00Z
    assert value(text, "station_audit_checkpoint_timestamp_seconds") == 1772352000.0
    assert value(text, "station_alarms_open", severity="warning") == 1
    assert value(text, "station_alarms_open", severity="critical") == 1
    assert value(text, "station_alarms_open", severity="info") == 0
    assert value(text, "station_backoffice_feed_success_timestamp_seconds") == 1772359200.5
    # Counters from the audit chain.
    # Two locker releases and a dispenser presentation; the technician's hand opening is not a release.
    assert value(text, "station_releases_total", outcome="opened") == 3
    assert set(value_labels(text, "station_releases_total", "outcome")) == {"opened", "jammed"}
    assert value(text, "station_releases_total", outcome="jammed") == 1
    assert value(text, "station_jobs_entered_total", state="received") == 7
    assert value(text, "station_jobs_entered_total", state="printed") == 4
    assert value(text, "station_jobs_entered_total", state="held") == 1
    assert value(text, "station_documents_printed_total") == 4
    assert value(text, "station_pages_printed_total") == 3 + 1 + 2 + 2
    assert value(text, "station_reprints_total") == 1
    # The daemon's devices.
    assert value(text, "station_daemon_up") == 1 and value(text, "station_spool_up") == 1
    assert value(text, "station_printer_blocked") == 1 and value(text, "station_printer_reason", reason="media-jam") == 1
    assert value(text, "station_lock_bus_up", bus="A") == 1 and value(text, "station_lock_bus_up", bus="B") == 0
    assert value(text, "station_device_status", device="printer", status="user_error") == 1
    assert value(text, "station_device_status", device="printer", status="online") == 0


def value_labels(text: str, name: str, label: str) -> list[str]:
    return [s.labels[label] for f in text_string_to_metric_families(text) for s in f.samples if s.name == name]


def value_label(text: str, name: str, label: str) -> str:
    return next(s.labels[label] for f in text_string_to_metric_families(text) for s in f.samples if s.name == name)


def test_counters_survive_a_restart_and_follow_new_rows(station) -> None:
    cfg, conn, ids = station
    first = StationMetrics(cfg)
    before = samples(first.exposition(DaemonFacts(None, None)).decode())
    restarted = StationMetrics(cfg)  # a new web process: it counts the chain afresh and agrees
    restarted.spool.catch_up()
    assert samples(restarted.exposition(DaemonFacts(None, None)).decode()) == before
    walk(conn, "DONE-3", LOCKER_LIFE, slot=ids[6], pages=5)
    after = first.exposition(DaemonFacts(None, None)).decode()
    assert value(after, "station_releases_total", outcome="opened") == 4
    assert value(after, "station_pages_printed_total") == 8 + 5
    assert value(after, "station_jobs_entered_total", state="collected") == 3
    assert value(after, "station_daemon_up") == 0
    # No daemon: no device series, no feed time.
    assert not any(name.startswith(("station_printer", "station_lock_bus", "station_backoffice"))
                   for name, _ in samples(after))


def test_histograms_and_refusals_come_from_the_daemon_events(station) -> None:
    cfg, _, _ = station
    metrics = StationMetrics(cfg)
    metrics.observe_event("release", {"job": "A", "slot": "A-1-01", "outcome": "opened", "latency_s": 0.25,
                                      "pin_s": None})
    metrics.observe_event("release", {"job": "B", "slot": "A-1-02", "outcome": "opened", "latency_s": 0.8,
                                      "pin_s": 7.5})
    for bad in (True, -1, "0.3", 1e9, None):
        metrics.observe_event("release", {"job": "C", "latency_s": bad, "pin_s": bad})
    metrics.observe_event("job", {"job": "D", "state": "released", "latency_s": 0.1})
    for reason in ("bad_signature", "bad_signature", "expired", "Nama Siti", None):
        metrics.observe_event("kiosk", {"screen": "refused", "reason": reason})
    metrics.observe_event("kiosk", {"screen": "locked_out", "reason": "unknown_key"})
    metrics.observe_event("kiosk", {"screen": "opening", "reason": None})
    text = metrics.exposition(DaemonFacts(None, None)).decode()
    assert value(text, "station_release_latency_seconds_count") == 2
    assert value(text, "station_release_latency_seconds_bucket", le="0.3") == 1
    assert value(text, "station_release_latency_seconds_bucket", le="1.0") == 2
    assert value(text, "station_release_latency_seconds_sum") == pytest.approx(1.05)
    assert value(text, "station_release_pin_entry_seconds_count") == 1
    assert value(text, "station_release_pin_entry_seconds_bucket", le="8.0") == 1
    assert value(text, "station_release_refusals_total", reason="bad_signature") == 2
    assert value(text, "station_release_refusals_total", reason="unknown_key") == 1
    # Text that is not a refusal word never becomes a label value.
    assert value(text, "station_release_refusals_total", reason="other") == 1
    assert "Siti" not in text


def test_promtool_finds_nothing_to_say(station) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool is not installed (scripts/system-packages.sh installs it)")
    cfg, _, _ = station
    metrics = StationMetrics(cfg)
    metrics.observe_event("release", {"job": "A", "latency_s": 0.3, "pin_s": 4.0})
    metrics.observe_event("kiosk", {"screen": "refused", "reason": "expired"})
    text = metrics.exposition(DaemonFacts(DEVICES, BACKOFFICE))
    checked = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, timeout=60)
    assert checked.returncode == 0 and checked.stdout.strip() == b"" and checked.stderr.strip() == b"", checked


def test_a_spool_that_cannot_be_read_says_so(tmp_path: Path, station_dir: Path) -> None:
    cfg = config.load(station_dir / "station.toml")
    metrics = StationMetrics(cfg)
    metrics.spool.path = tmp_path / "gone.db"
    text = metrics.exposition(DaemonFacts(None, None)).decode()
    assert value(text, "station_spool_up") == 0
    assert value(text, "station_info", station_id="MPP-DEMO-01", site=cfg.station.name, kind="locker",
                 version=value_label(text, "station_info", "version")) == 1


_any = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
_device = st.fixed_dictionaries({}, optional={"state": _any, "status": _any, "reasons": _any, "blocking": _any,
                                              "name": _any})


@given(st.fixed_dictionaries({}, optional={"printer": _device | _any, "scanner": _device | _any,
                                          "buses": st.lists(_device | _any, max_size=3) | _any}),
       st.fixed_dictionaries({}, optional={"feed": st.fixed_dictionaries({}, optional={"last_ok_at": _any}) | _any}))
def test_whatever_the_daemon_says_the_exposition_parses(devices: dict, backoffice: dict) -> None:
    from station.web.metrics import _DaemonCollector
    from prometheus_client import generate_latest

    class Only:
        def collect(self):
            return _DaemonCollector(DaemonFacts(devices, backoffice)).collect()

    text = generate_latest(Only()).decode()  # type: ignore[arg-type]
    names = {family.name for family in text_string_to_metric_families(text)}
    assert "station_daemon_up" in names


@pytest.fixture(scope="module")
def moving(tmp_path_factory: pytest.TempPathFactory):
    """One spool and one collector kept across examples (so the incremental path is what is tested)."""
    from station.cli import main

    folder = tmp_path_factory.mktemp("moving") / "station"
    assert main(["init", str(folder)]) == 0
    cfg = config.load(folder / "station.toml")
    conn = spool.connect(cfg.spool_path)
    metrics = StationMetrics(cfg)
    metrics.exposition(DaemonFacts(None, None))
    metrics.spool._recounted_at = float("inf")  # never recount: the audit's own figures are what is checked
    yield conn, metrics
    conn.close()


_examples = iter(range(10**9))


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 9), st.booleans()), max_size=25))
def test_jobs_by_state_follow_the_audit_exactly(moving, moves: list[tuple[int, int, bool]]) -> None:
    from spool.jobs import count_by_state, find_job
    from spool.rules import allowed

    conn, metrics = moving
    example = next(_examples)
    for index, choice, dispenser in moves:
        job_id = f"P{example}-{index}"
        job = find_job(conn, job_id)
        if job is None:
            machine.create_job(conn, job_id, flow=Flow.DISPENSER if dispenser else Flow.LOCKER,
                               template="akta-kelahiran", template_version=3, payload="{}")
            continue
        targets = sorted(allowed(job.flow, job.state))
        if targets:
            target = targets[choice % len(targets)]
            machine.transition(conn, job_id, target, actor="system",
                               reason="printer failed" if target is S.HELD else None)
    text = metrics.exposition(DaemonFacts(None, None)).decode()
    for state, count in count_by_state(conn).items():
        assert value(text, "station_jobs", state=state) == count, state


def test_a_state_changed_behind_the_audit_is_healed_by_the_recount(station, caplog, monkeypatch) -> None:
    import station.web.spool_metrics as spool_metrics

    cfg, conn, _ = station
    metrics = StationMetrics(cfg)
    metrics.exposition(DaemonFacts(None, None))
    with spool.write(conn):  # what only a bug or a hand-edit would do: no audit row
        conn.execute("UPDATE jobs SET state = 'rendered', updated_at = updated_at WHERE id = 'NEW-1'")
    text = metrics.exposition(DaemonFacts(None, None)).decode()
    assert value(text, "station_jobs", state="received") == 1  # the audit's figure until the next recount
    monkeypatch.setattr(spool_metrics, "RECOUNT_S", 0.0)
    text = metrics.exposition(DaemonFacts(None, None)).decode()
    assert value(text, "station_jobs", state="received") == 0 and value(text, "station_jobs", state="rendered") == 1
    assert "drifted from the audit chain" in caplog.text


def test_scanner_noise_is_the_daemons_own_count_at_the_scrape(station) -> None:
    """Noise comes from the daemon at the scrape (no event needed); nonsense from it is not a count."""
    cfg, _, _ = station
    metrics = StationMetrics(cfg)
    noise = {"no_prefix": 7, "control_bytes": 2, "too_short": True, "surprise": 3, "huge": 2**60, "neg": -1}
    text = metrics.exposition(DaemonFacts(DEVICES, BACKOFFICE, scan_noise=noise)).decode()
    assert value(text, "station_scanner_noise_lines_total", reason="no_prefix") == 7
    assert value(text, "station_scanner_noise_lines_total", reason="control_bytes") == 2
    assert value(text, "station_scanner_noise_lines_total", reason="other") == 3  # an unknown word, once
    assert ("station_scanner_noise_lines_total", (("reason", "too_short"),)) not in samples(text)
    silent = metrics.exposition(DaemonFacts(None, None)).decode()  # a daemon that does not answer: no count
    assert not [key for key in samples(silent) if key[0] == "station_scanner_noise_lines_total"]
