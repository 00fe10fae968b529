"""`station spool import FILE...` through the installed command, as a technician runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from backoffice_support import outbox_rows, refused

import spool
from spool import audit
from station import config
from station.backoffice import intake
from station.trust import TrustStore


def station(*args: str, cfg: Path) -> subprocess.CompletedProcess[str]:
    command = Path(sys.executable).with_name("station")
    return subprocess.run([str(command), "--config", str(cfg), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "STATION_CONFIG": ""})


@pytest.fixture
def cfg_path(station_dir: Path, office: Any) -> Path:
    """A simulated station whose trust store also trusts the back office's issuer key."""
    path = station_dir / "station.toml"
    cfg = config.load(path)
    store_path = cfg.path(cfg.paths.trust_store)
    store = TrustStore.load(store_path) if store_path.exists() else TrustStore()
    store.with_key(office.issuer_entry()).save(store_path)
    return path


def spool_of(cfg_path: Path):
    return spool.connect(config.load(cfg_path).spool_path)


def write(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_three_file_forms(tmp_path: Path, cfg_path: Path, office: Any) -> None:
    docs = [a.document for a in office.approve(6)]
    one = write(tmp_path / "one.json", docs[0])
    many = write(tmp_path / "many.json", docs[1:3])
    page = write(tmp_path / "page.json", {"documents": docs[3:], "cursor": "whatever"})
    result = station("spool", "import", str(one), str(many), str(page), "--actor", "ani", cfg=cfg_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"{one}: 1 stored, 0 duplicates, 0 refused",
                                          f"{many}: 2 stored, 0 duplicates, 0 refused",
                                          f"{page}: 3 stored, 0 duplicates, 0 refused"]
    conn = spool_of(cfg_path)
    assert {r["id"] for r in conn.execute("SELECT id FROM jobs")} == {d["id"] for d in docs}
    assert intake.read_cursor(conn) is None  # a file never moves the back-office cursor
    assert [e for _, e, _ in outbox_rows(conn)] == ["received"] * 6
    actors = {e.actor for e in audit.entries(conn) if e.action == "job.received"}
    assert actors == {"technician:ani"} and audit.verify(conn).ok
    # The same files again: nothing new.
    again = station("spool", "import", str(many), cfg=cfg_path)
    assert again.returncode == 0 and again.stdout.strip() == f"{many}: 0 stored, 2 duplicates, 0 refused"


def test_refused_documents_are_recorded_and_the_exit_code_says_so(tmp_path: Path, cfg_path: Path,
                                                                   office: Any) -> None:
    good, bad = (a.document for a in office.approve(2))
    bad["data"] = {**bad["data"], next(iter(bad["data"])): "CHANGED"}
    path = write(tmp_path / "docs.json", [good, bad])
    result = station("spool", "import", str(path), cfg=cfg_path)
    assert result.returncode == 1
    assert result.stdout.strip() == f"{path}: 1 stored, 0 duplicates, 1 refused ({bad['id']}: bad_signature)"
    conn = spool_of(cfg_path)
    assert refused(conn) == {bad["id"]: {"bad_signature"}}
    assert (bad["id"], "held") not in {(d, e) for d, e, _ in outbox_rows(conn)}


def test_unreadable_files_are_named_and_the_others_still_taken(tmp_path: Path, cfg_path: Path, office: Any) -> None:
    good = write(tmp_path / "good.json", office.approve(1)[0].document)
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'{"id": "x", "id": "y"}')
    number = write(tmp_path / "number.json", 42)
    wrong = write(tmp_path / "wrong.json", {"documents": {"not": "a list"}})
    result = station("spool", "import", str(broken), str(tmp_path / "missing.json"), str(number), str(wrong),
                     str(good), cfg=cfg_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{broken}: error: not JSON") and "duplicate JSON key" in lines[0]
    assert lines[1] == f"{tmp_path / 'missing.json'}: error: no such file"
    assert lines[2].startswith(f"{number}: error: expected a document")
    assert lines[3] == f'{wrong}: error: "documents" must be a list'
    assert lines[4] == f"{good}: 1 stored, 0 duplicates, 0 refused"


def test_dry_run_stores_nothing(tmp_path: Path, cfg_path: Path, office: Any) -> None:
    docs = [a.document for a in office.approve(3)]
    docs[2]["signature"] = docs[1]["signature"]
    path = write(tmp_path / "docs.json", docs)
    result = station("spool", "import", "--dry-run", str(path), cfg=cfg_path)
    assert result.returncode == 1
    assert result.stdout.strip() == (f"{path}: 2 pass the checks, 1 refused ({docs[2]['id']}: bad_signature)"
                                     " (dry run: nothing stored)")
    conn = spool_of(cfg_path)
    assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0 and outbox_rows(conn) == []


def test_a_missing_trust_store_is_a_clear_error(tmp_path: Path, cfg_path: Path, office: Any) -> None:
    cfg = config.load(cfg_path)
    cfg.path(cfg.paths.trust_store).unlink()
    path = write(tmp_path / "doc.json", office.approve(1)[0].document)
    result = station("spool", "import", str(path), cfg=cfg_path)
    assert result.returncode != 0 and result.stderr.startswith("station: error: no trust store at")
