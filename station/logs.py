"""Structured JSON logs with personal data and secrets masked.

Every record is one JSON object per line: time, level, logger, message and
any `extra={"fields": {...}}` given. Before a record is written, NIK-shaped
numbers, phone numbers, bearer tokens, pickup tokens and private keys are
masked wherever they appear, and fields named like personal data are
masked by name. The masking runs in the formatter, so no code path can
bypass it.

Under systemd (standard error is the journal stream that `$JOURNAL_STREAM`
names), lines go to journald with a `<priority>` prefix, and not to a log
file: the journal keeps logging when the station's own disk is full. A log
file that cannot be written (disk full) drops lines with one notice instead
of a traceback for each.

(issue 22) Journald only is the default under systemd: the journal rotates
and expires lines by its own settings and keeps logging when the station's
disk is full or read-only. A log file (`[paths] log`, for a station run
without systemd) rotates at local midnight in the daemon and keeps
`[log] keep_days` old files; other processes writing the same file reopen
it when it was rotated (they never rotate it themselves).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# 16-digit NIK / KK numbers: keep the region code (4) and the last 2 digits.
_NIK = re.compile(r"(?<!\d)(\d{4})\d{10}(\d{2})(?!\d)")
# Indonesian mobile numbers: +62 8xx, 62 8xx, 08xx.
_PHONE = re.compile(r"(?<![\d+])(\+?62[ -]?|0)(8\d)[\d -]{6,12}(\d{2})(?!\d)")
_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_TOKEN = re.compile(r"\b(MP[PS]1:)[0-9A-Z $%*+./:-]{7,}[0-9A-Z$%*+./:-]")
_PEM = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S)
_PIN_PHC = re.compile(r"\$scrypt\$[^\s\"']+")
PERSONAL_FIELDS = frozenset({"nik", "name", "nama", "phone", "telepon", "hp", "address", "alamat",
                             "mother", "father", "nama_ibu", "nama_ayah", "pin", "birth_date",
                             "tanggal_lahir", "token", "password", "secret", "authorization"})


def mask_name(name: str) -> str:
    """`Siti Nurhaliza` -> `S*** N*********`: enough to recognise, not to identify."""
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in str(name).split())


def mask_text(text: str) -> str:
    """Mask NIK, phone numbers, bearer and pickup tokens, PIN verifiers and keys in free text."""
    text = _PEM.sub("[private key]", text)
    text = _BEARER.sub(r"\1[secret]", text)
    text = _TOKEN.sub(lambda m: f"{m.group(1)}[{len(m.group(0))} chars]", text)
    text = _PIN_PHC.sub("$scrypt$[verifier]", text)
    text = _NIK.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _PHONE.sub(lambda m: f"{m.group(1)}{m.group(2)}******{m.group(3)}", text)


def mask_value(value: Any, key: str = "") -> Any:
    """Mask a structured value: by field name, then by what the text looks like."""
    if key.lower() in PERSONAL_FIELDS and value is not None:
        return mask_name(value) if key.lower() in ("name", "nama") else "[masked]"
    if isinstance(value, dict):
        return {k: mask_value(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(v, key) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    return value


class JsonFormatter(logging.Formatter):
    """One masked JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_text(record.getMessage()),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(mask_value(fields))
        if record.exc_info:
            entry["error"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


# Syslog priorities that journald reads from a line's `<N>` prefix (sd-daemon.h).
_PRIORITY = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3, logging.CRITICAL: 2}


class JournalFormatter(JsonFormatter):
    """A masked JSON line with the journal's priority prefix (`<4>{...}` for a warning)."""

    def format(self, record: logging.LogRecord) -> str:
        priority = _PRIORITY.get(record.levelno, 3 if record.levelno > logging.WARNING else 6)
        return f"<{priority}>{super().format(record)}"


def under_journald(stream: Any = None) -> bool:
    """True when `stream` (standard error) is the journal stream systemd gave this process."""
    device, _, inode = os.environ.get("JOURNAL_STREAM", "").partition(":")
    try:
        found = os.fstat((stream or sys.stderr).fileno())
    except (OSError, ValueError, AttributeError):
        return False
    return device.isdigit() and inode.isdigit() and (found.st_dev, found.st_ino) == (int(device), int(inode))


class _LogFile(logging.FileHandler):
    """A log file that, when it cannot be written (disk full), drops lines with one notice on standard error."""

    dropped = 0

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        if not self.dropped:
            sys.stderr.write(f"station: cannot write the log file {self.baseFilename} ({sys.exc_info()[1]});"
                             " dropping lines until it can\n")
        self.dropped += 1

    def emit(self, record: logging.LogRecord) -> None:
        dropped = self.dropped
        super().emit(record)
        if dropped and self.dropped == dropped:  # written again: say what was lost
            self.dropped = 0
            super().emit(logging.makeLogRecord({"name": "station.logs", "levelno": logging.WARNING,
                                                "levelname": "WARNING",
                                                "msg": f"{dropped} log lines were dropped: the log file could"
                                                       " not be written"}))


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Standard error as it is when a line is written, not when logging was set up: a process that swaps
    sys.stderr (a test's capture, a redirect) never leaves a handler on a closed stream."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self):  # noqa: ANN201 - the stream logging.StreamHandler writes to
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


class _RotatingLogFile(_LogFile, logging.handlers.TimedRotatingFileHandler):
    """The daemon's log file: rotated at local midnight, `keep_days` old files kept."""


class _WatchedLogFile(_LogFile, logging.handlers.WatchedFileHandler):
    """Another process's view of the same file: reopened once the daemon rotated it."""


def setup(level: str = "info", path: Path | None = None, *, keep_days: int | None = None) -> None:
    """Send the station's logs, as masked JSON lines, to journald (under systemd), `path`, or standard error.

    With `keep_days` this process rotates the file (the daemon); without, it follows the rotations.
    """
    handler: logging.Handler
    if under_journald():
        handler = _StandardError()
        handler.setFormatter(JournalFormatter())
    else:
        if path is None:
            handler = _StandardError()
        elif keep_days:
            handler = _RotatingLogFile(path, when="midnight", backupCount=keep_days, encoding="utf-8")
        else:
            handler = _WatchedLogFile(path, encoding="utf-8")
        handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries that log request lines (with headers) stay quiet.
    for noisy in ("httpx", "httpx2", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
