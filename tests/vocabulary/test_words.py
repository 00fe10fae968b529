"""One vocabulary for staff (issue 25): every alarm kind the station can raise has words in both languages,
the slot words are no half-translations, and the CLI speaks the same words as the ops page."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import spool
from spool import alarms, machine, slots
from spool.states import Flow
from station import config, vocabulary
from station.vocabulary.alarms import FALLBACK, words_for

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("station", "spool", "drivers")
# Calls that raise an alarm, and which positional argument is its kind.
KIND_ARGUMENT = {"raise_alarm": 1, "alarm": 0, "_alarm": 1, "_Write": 1}


def _trees() -> dict[str, ast.Module]:
    return {str(p.relative_to(ROOT)): ast.parse(p.read_text(encoding="utf-8"))
            for package in PRODUCT for p in sorted((ROOT / package).rglob("*.py"))}


def _constants(trees: dict[str, ast.Module]) -> dict[str, str]:
    """Every NAME = "text" in the product (module or class level): how a kind is named through a constant."""
    found: dict[str, str] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and \
                    isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id.isupper():
                        found[target.id] = node.value.value
    return found


def raised_kinds() -> tuple[set[str], set[str]]:
    """The alarm kinds the source raises: whole ones, and the fixed heads of those made from a word."""
    trees = _trees()
    constants = _constants(trees)
    whole, heads = set(), set()
    for tree in trees.values():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            index = KIND_ARGUMENT.get(name)
            if index is None or len(node.args) <= index:
                continue
            kind = node.args[index]
            if isinstance(kind, ast.Constant) and isinstance(kind.value, str):
                whole.add(kind.value)
            elif isinstance(kind, (ast.Name, ast.Attribute)):
                key = kind.id if isinstance(kind, ast.Name) else kind.attr
                if key in constants:
                    whole.add(constants[key])
            elif isinstance(kind, ast.JoinedStr) and isinstance(kind.values[0], ast.Constant):
                heads.add(str(kind.values[0].value))
    return {k for k in whole if " " not in k}, heads  # (a message passed positionally is no kind)


def test_every_alarm_kind_in_the_source_has_its_words() -> None:
    whole, heads = raised_kinds()
    assert len(whole) > 30 and {"no_free_slot", "pin_locked", "slot_withdrawn_paper"} <= whole
    assert sorted(k for k in whole if k not in vocabulary.ALARMS) == []
    assert sorted(h for h in heads if h not in vocabulary.FAMILIES) == []


def test_no_word_is_left_half_translated() -> None:
    for table in (vocabulary.ALARMS, vocabulary.FAMILIES):
        for kind, words in table.items():  # a title may be one word in both ("Printer"); a message is not
            assert words.title.id and words.title.en and words.message.id != words.message.en, kind
    for table in (vocabulary.DOOR, vocabulary.ITEM):
        for value, pair in table.items():
            assert pair.id != pair.en and value not in pair.id.split(), (value, pair)  # never "pintu closed"


@given(kind=st.text(max_size=40), slot=st.none() | st.text(max_size=12), job=st.none() | st.text(max_size=40),
       device=st.none() | st.text(max_size=20))
def test_any_alarm_has_a_sentence_in_both_languages(kind: str, slot, job, device) -> None:
    alarm = {"kind": kind, "slot_id": slot, "job_id": job, "device": device, "message": "stored"}
    for language in ("id", "en"):
        text = vocabulary.alarm_text(alarm, language)
        assert text and "{" not in text.replace(str(slot), "").replace(str(job), "").replace(str(device), "")
        assert vocabulary.alarm_title(kind, language)
    if kind not in vocabulary.ALARMS and not any(kind.startswith(p) for p in vocabulary.FAMILIES):
        assert words_for(kind) is FALLBACK


def test_the_json_the_ops_page_reads_has_both_languages() -> None:
    served = vocabulary.as_json()
    assert set(served) == {"id", "en"}
    assert served["id"]["alarms"]["no_free_slot"]["title"] == "Tidak ada slot kosong"
    assert served["en"]["door"]["closed"] == "door closed" and served["id"]["door"]["closed"] == "pintu tertutup"
    assert set(served["id"]["alarms"]) == set(served["en"]["alarms"]) == set(vocabulary.ALARMS)


@pytest.fixture
def quiet_station(station_dir: Path) -> Path:
    """A station with no daemon running, with two alarms and a document in a slot."""
    conn = spool.connect(station_dir / "spool.db")
    try:
        slots.reconcile(conn, config.load(station_dir / "station.toml").slot_layout())
        machine.create_job(conn, "NIB-Q-1", flow=Flow.LOCKER, template="nib", template_version=1)
        alarms.raise_alarm(conn, "no_free_slot", "no free slot for printed documents")
        alarms.raise_alarm(conn, "slot_withdrawn_paper", "slot A-1-03: document NIB-Q-1 was withdrawn",
                           slot="A-1-03", job="NIB-Q-1")
    finally:
        conn.close()
    return station_dir


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def station_cli(monkeypatch, capsys):
    """`station ARGS` in process (fast tier), with the shell's language from LANG."""
    from station.cli import main

    def run(folder: Path, *args: str, language: str = "C.UTF-8") -> Done:
        monkeypatch.setenv("STATION_CONFIG", str(folder / "station.toml"))
        monkeypatch.setenv("LANG", language)
        for name in ("STATION_LANGUAGE", "LANGUAGE", "LC_ALL"):
            monkeypatch.delenv(name, raising=False)
        capsys.readouterr()
        code = main(list(args))
        out = capsys.readouterr()
        return Done(code, out.out, out.err)
    return run


def test_alarms_list_reads_the_spool_when_the_daemon_is_down_in_words(quiet_station: Path, station_cli) -> None:
    english = station_cli(quiet_station, "alarms", "list")
    assert english.returncode == 0, english.stderr
    assert "daemon is not running" in english.stderr and english.stderr.count("\n") == 1
    assert "No free slot" in english.stdout and "Cancelled document in a slot" in english.stdout
    assert "no_free_slot" not in english.stdout and "slot_withdrawn_paper" not in english.stdout
    indonesian = station_cli(quiet_station, "alarms", "list", language="id_ID.UTF-8")
    assert "Tidak ada slot kosong" in indonesian.stdout and "Slot A-1-03: dokumen NIB-Q-1 dibatalkan" in indonesian.stdout
    assert "No free slot" not in indonesian.stdout
    listed = station_cli(quiet_station, "alarms", "list", "--json")
    assert {a["kind"] for a in json.loads(listed.stdout)} == {"no_free_slot", "slot_withdrawn_paper"}


def test_slots_list_says_the_state_in_words(quiet_station: Path, station_cli) -> None:
    done = station_cli(quiet_station, "slots", "list", "--language", "id")
    assert done.returncode == 0, done.stderr
    assert "kosong" in done.stdout and "STATE" in done.stdout


def test_every_device_state_and_every_paper_stopping_reason_has_words_on_the_ops_page() -> None:
    """(issue 25) The ops page showed `online` and `media-jam`: every state the daemon reports and every reason
    that stops paper now has its words in both languages, the same the command center shows."""
    from drivers.printer import BLOCKING
    from station.fleet.words import printer_reason
    from station.vocabulary import as_json
    from station.web.metrics import DEVICE_STATUSES

    served = as_json()
    for language in ("id", "en"):
        assert set(DEVICE_STATUSES) <= set(served[language]["device"])
        assert set(BLOCKING) <= set(served[language]["printer_reason"])
        assert all(word and "_" not in word for word in served[language]["device"].values())
    assert served["id"]["printer_reason"]["media-jam"] == printer_reason("media-jam")["id"] == "kertas macet"
    assert served["en"]["device"]["online"] == "online" and served["id"]["device"]["online"] == "terhubung"
