"""Logs under systemd go to journald with priorities; a log file on a full disk drops lines quietly."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest

from station import logs
from station.config import Config
from station.runtime.disk import watched


def test_the_journal_stream_is_recognised_by_its_device_and_inode(monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Path) -> None:
    read, write = os.pipe()
    with os.fdopen(write, "w") as stream:
        found = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{found.st_dev}:{found.st_ino}")
        assert logs.under_journald(stream)
        with open(tmp_path / "other", "w") as other:  # noqa: PTH123 - a different file is not the journal
            assert not logs.under_journald(other)
        monkeypatch.setenv("JOURNAL_STREAM", "garbage")
        assert not logs.under_journald(stream)
    os.close(read)


@pytest.mark.parametrize(("level", "prefix"), [(logging.DEBUG, "<7>"), (logging.INFO, "<6>"),
                                                (logging.WARNING, "<4>"), (logging.ERROR, "<3>"),
                                                (logging.CRITICAL, "<2>")])
def test_journal_lines_carry_the_priority_and_stay_masked(level: int, prefix: str) -> None:
    record = logging.LogRecord("station.runtime.disk", level, __file__, 1, "NIK %s", ("3171012345678901",), None)
    line = logs.JournalFormatter().format(record)
    assert line.startswith(prefix) and "3171012345678901" not in line
    assert json.loads(line[len(prefix):])["level"] == logging.getLevelName(level).lower()


def test_a_log_file_that_cannot_be_written_drops_lines_with_one_notice(capsys: pytest.CaptureFixture[str]) -> None:
    handler = logs._LogFile("/dev/full", encoding="utf-8")  # every write: ENOSPC, as on a full disk
    handler.setFormatter(logs.JsonFormatter())
    try:
        for n in range(3):
            handler.emit(logging.LogRecord("station", logging.WARNING, __file__, 1, f"line {n}", (), None))
    finally:
        handler.stream = None  # nothing more can be flushed there
    assert handler.dropped == 3
    err = capsys.readouterr().err
    assert err.count("cannot write the log file /dev/full") == 1 and "Traceback" not in err


def test_the_cups_spool_is_watched_only_with_the_cups_driver(tmp_path: Path) -> None:
    (tmp_path / "spool.db").touch()
    base = {"paths": {"spool": str(tmp_path / "spool.db"), "documents": str(tmp_path / "documents")},
            "disk": {"cups_spool": str(tmp_path)}}
    assert [v.name for v in watched(Config.model_validate(base))] == ["station"]  # documents: same disk
    cups = Config.model_validate({**base, "printer": {"driver": "cups"}})
    assert [v.name for v in watched(cups)] == ["station", "cups"]
