"""Structured JSON logs with personal data and secrets masked.

Every record is one JSON object per line: time, level, logger, message and
any `extra={"fields": {...}}` given. Before a record is written, NIK-shaped
numbers, phone numbers, bearer tokens, pickup tokens and private keys are
masked wherever they appear, and fields named like personal data are
masked by name. The masking runs in the formatter, so no code path can
bypass it.

Each record carries its syslog priority (`"priority": 3` for an error);
under systemd (standard error connected to the journal, `$JOURNAL_STREAM`
set) each line also starts with the `<3>` prefix journald reads, so that
`journalctl -p err` finds the station's errors.
"""

from __future__ import annotations

import json
import logging
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


# syslog priorities (RFC 5424) of Python's levels, as journald reads them.
PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}


def priority(levelno: int) -> int:
    """The syslog priority of a logging level (a level in between takes the next lower one's)."""
    for level, value in sorted(PRIORITY.items(), reverse=True):
        if levelno >= level:
            return value
    return 7


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
    """One masked JSON object per line; with `journald`, led by the `<N>` priority prefix."""

    def __init__(self, *, journald: bool = False) -> None:
        super().__init__()
        self.journald = journald

    def format(self, record: logging.LogRecord) -> str:
        level = priority(record.levelno)
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "priority": level,
            "logger": record.name,
            "message": mask_text(record.getMessage()),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(mask_value(fields))
        if record.exc_info:
            entry["error"] = mask_text(self.formatException(record.exc_info))
        line = json.dumps(entry, ensure_ascii=False, default=str)
        return f"<{level}>{line}" if self.journald else line


def setup(level: str = "info", path: Path | None = None) -> None:
    """Send the station's logs, as masked JSON lines, to `path` or standard error."""
    handler: logging.Handler = (logging.FileHandler(path, encoding="utf-8") if path
                                else logging.StreamHandler(sys.stderr))
    # Under systemd, standard error goes to the journal: say each line's priority the way it reads it.
    handler.setFormatter(JsonFormatter(journald=path is None and bool(os.environ.get("JOURNAL_STREAM"))))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Libraries that log request lines (with headers) stay quiet.
    for noisy in ("httpx", "httpcore", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
