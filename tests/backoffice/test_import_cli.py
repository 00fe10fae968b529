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
from station.trust.store import TrustStore


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
    assert result.stdout.splitlines() == [f"{one}: 1 document(s): 1 stored, 0 already there, 0 refused",
                                          f"{many}: 2 document(s): 2 stored, 0 already there, 0 refused",
                                          f"{page}: 3 document(s): 3 stored, 0 already there, 0 refused"]
    conn = spool_of(cfg_path)
    assert {r["id"] for r in conn.execute("SELECT id FROM jobs")} == {d["id"] for d in docs}
    assert intake.read_cursor(conn) is None  # a file never moves the back-office cursor
    assert [e for _, e, _ in outbox_rows(conn)] == ["received"] * 6
    actors = {e.actor for e in audit.entries(conn) if e.action == "job.received"}
    assert actors == {"technician:ani"} and audit.verify(conn).ok
    # The same files again: nothing new.
    again = station("spool", "import", str(many), cfg=cfg_path)
    assert again.returncode == 0 and again.stdout.strip() == f"{many}: 2 document(s): 0 stored, 2 already there, 0 refused"


def test_refusals_name_document_and_field_and_are_audited_once(tmp_path: Path, cfg_path: Path,
                                                                 office: Any) -> None:
    good, bad, odd = (a.document for a in office.approve(3))
    bad["data"] = {**bad["data"], next(iter(bad["data"])): "CHANGED"}
    odd["data"] = {**odd["data"], "nomor": 7}
    junk = [{"junk": n} for n in range(300)]
    path = write(tmp_path / "docs.json", [good, bad, odd, *junk])
    before = spool_of(cfg_path).execute("SELECT COUNT(*) FROM audit").fetchone()[0]
    result = station("spool", "import", str(path), cfg=cfg_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stdout.strip() == f"{path}: 303 document(s): 1 stored, 0 already there, 302 refused"
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{path}: document {bad['id']}: bad_signature: ")
    assert lines[1] == f"{path}: document {odd['id']}: malformed: data field 'nomor' must be text"
    assert lines[2].startswith(f"{path}: item 4: malformed: missing fields: id, template")
    assert lines[-1] == f"{path}: ... and 282 more refused (--json lists them all)"
    conn = spool_of(cfg_path)
    added = [e for e in audit.entries(conn) if e.seq > before]
    assert [e.action for e in added if e.action != "job.received" and e.action != "job.rendered"] == ["import.refused"]
    [entry] = [e for e in added if e.action == "import.refused"]
    assert entry.details["documents"] == 303 and entry.details["refused"] == 302
    assert entry.details["reasons"] == {"bad_signature": 1, "malformed": 301}
    # The documents that name themselves are remembered, the junk only counted; none is reported held.
    assert refused(conn) == {bad["id"]: {"bad_signature"}, odd["id"]: {"malformed"}}
    assert not [e for d, e, _ in outbox_rows(conn) if e == "held"]


def test_unreadable_files_are_named_and_the_others_still_taken(tmp_path: Path, cfg_path: Path, office: Any) -> None:
    good = write(tmp_path / "good.json", office.approve(1)[0].document)
    broken = tmp_path / "broken.json"
    broken.write_bytes(b'{"id": "x", "id": "y"}')
    number = write(tmp_path / "number.json", 42)
    wrong = write(tmp_path / "wrong.json", {"documents": {"not": "a list"}})
    result = station("spool", "import", str(broken), str(tmp_path / "missing.json"), str(number), str(wrong),
                     str(good), cfg=cfg_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"{broken}: error: not a file of documents") and "duplicate JSON key" in lines[0]
    assert lines[1] == f"{tmp_path / 'missing.json'}: error: no such file"
    assert lines[2].startswith(f"{number}: error: expected a document")
    assert lines[3] == f'{wrong}: error: "documents" must be a list'
    assert result.stdout.strip() == f"{good}: 1 document(s): 1 stored, 0 already there, 0 refused"


def test_a_large_or_binary_file_is_refused_whole(tmp_path: Path, cfg_path: Path) -> None:
    binary = tmp_path / "junk.bin"
    binary.write_bytes(os.urandom(64 * 1024))
    big = tmp_path / "big.json"
    big.write_bytes(b"[" + b",".join([b'{"a": 1}'] * 6000) + b"]")
    result = station("spool", "import", str(binary), str(big), "--json", cfg=cfg_path)
    assert result.returncode == 1 and result.stderr == ""
    files = json.loads(result.stdout)["files"]
    assert files[0]["error"].startswith("not a file of documents")
    assert files[1]["error"] == "6000 documents, over 5000 in one file"
    conn = spool_of(cfg_path)
    assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0


def test_dry_run_stores_nothing(tmp_path: Path, cfg_path: Path, office: Any) -> None:
    docs = [a.document for a in office.approve(3)]
    docs[2]["signature"] = docs[1]["signature"]
    path = write(tmp_path / "docs.json", docs)
    result = station("spool", "import", "--dry-run", str(path), cfg=cfg_path)
    assert result.returncode == 1
    assert result.stdout.strip() == f"{path}: 3 document(s): 2 pass the checks (dry run: nothing stored), 1 refused"
    assert result.stderr.startswith(f"{path}: document {docs[2]['id']}: bad_signature")
    conn = spool_of(cfg_path)
    assert conn.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0 and outbox_rows(conn) == []


def test_a_missing_trust_store_is_a_clear_error(tmp_path: Path, cfg_path: Path, office: Any) -> None:
    cfg = config.load(cfg_path)
    cfg.path(cfg.paths.trust_store).unlink()
    path = write(tmp_path / "doc.json", office.approve(1)[0].document)
    result = station("spool", "import", str(path), cfg=cfg_path)
    assert result.returncode != 0 and result.stderr.startswith("station: error: no trust store at")


def _bounded(*args: str, cfg: Path) -> subprocess.CompletedProcess[str]:
    """`station` with its address space capped at 1 GiB: a read without a limit fails here, not on the machine."""
    import resource

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    command = Path(sys.executable).with_name("station")
    return subprocess.run([str(command), "--config", str(cfg), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "STATION_CONFIG": ""}, preexec_fn=cap)


def test_what_is_not_a_regular_file_is_refused_unread(tmp_path: Path, cfg_path: Path) -> None:
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)  # no writer: an open() that waits for one would hang the command
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")  # endless bytes behind a size of 0
    folder = tmp_path / "folder.json"
    folder.mkdir()
    result = _bounded("spool", "import", str(fifo), str(zero), str(folder), cfg=cfg_path)
    assert result.returncode == 1 and result.stdout == "" and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"{fifo}: error: not a regular file (a FIFO): not a file of documents",
        f"{zero}: error: not a regular file (a character device): not a file of documents",
        f"{folder}: error: not a regular file (a folder): not a file of documents"]


def test_a_fifo_with_a_writer_is_not_read_past_the_cap(tmp_path: Path, cfg_path: Path) -> None:
    import threading

    from station.cli.import_cmd import MAX_FILE_BYTES

    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    written = []

    def writer() -> None:  # 20 MiB more than the cap, as the review did; stops when the reader goes
        try:
            with open(fifo, "wb") as pipe:
                for _ in range((MAX_FILE_BYTES + 20 * 1024 * 1024) // 65536):
                    pipe.write(b" " * 65536)
                    written.append(65536)
        except (BrokenPipeError, OSError):
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    result = _bounded("spool", "import", str(fifo), cfg=cfg_path)
    if thread.is_alive():  # the command never opened the FIFO for reading: unblock the writer's open()
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
    thread.join(10)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr == f"{fifo}: error: not a regular file (a FIFO): not a file of documents\n"
    assert sum(written) <= 1024 * 1024  # at most what a pipe buffers: nothing was read
