"""From a kiosk view to what is said: a list of (language, sentence), Indonesian first.

Only whitelisted fields of the view are read (screen, reason, message, door,
board, attempts left, progress and the countdown times); a view's job data,
masked name included, is never read. A last guard drops any run of four or
more digits (a PIN, a code, a NIK never reaches the loudspeaker, whatever
a message held).
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from spool.rfc3339 import parse_or_none

from .place import Geometry, door_place
from .words import MESSAGE_SCREENS, PAGE_SCREENS, SCREENS

LANGS = ("id", "en")
Utterance = tuple[str, str]
_LONG_NUMBER = re.compile(r"\d(?:[\s-]?\d){3,}")


def _seconds_until(text: object, now: datetime) -> int | None:
    at = parse_or_none(text) if isinstance(text, str) else None
    return None if at is None else max(0, math.ceil((at - now).total_seconds()))


def _fill(key: str, **values: Any) -> dict[str, str] | None:
    """The screen's sentence with its values; None (nothing said) when the view lacks one it needs: the page
    asked for a screen the station is not showing (e.g. "open" with no door), found by the API fuzz."""
    pair = SCREENS[key]
    try:
        return {lang: text.format(**{k: (v[lang] if isinstance(v, dict) else v) for k, v in values.items()})
                for lang, text in zip(LANGS, pair, strict=True)}
    except (KeyError, IndexError):
        return None


def _join(*parts: dict[str, str] | None) -> list[Utterance]:
    present = [p for p in parts if p]
    return [(lang, " ".join(p[lang] for p in present)) for lang in LANGS]


def _message(view: dict[str, Any]) -> dict[str, str] | None:
    message = view.get("message")
    if isinstance(message, dict) and all(isinstance(message.get(lang), str) and message[lang] for lang in LANGS):
        return {lang: message[lang] for lang in LANGS}
    return None


def for_view(view: dict[str, Any], geometry: Geometry, *, tray_below: bool = True,
             now: datetime | None = None) -> list[Utterance]:
    """What is said for a view of the daemon's (the screen the citizen now has)."""
    now = now or datetime.now(UTC)
    screen = str(view.get("screen") or "idle")
    if screen in MESSAGE_SCREENS:
        parts = [_message(view) or _fill(screen)]
        left = _seconds_until(view.get("until"), now)
        if left is None and isinstance(view.get("retry_after_s"), int | float):
            left = math.ceil(view["retry_after_s"])
        if left:
            parts.append(_fill("locked_out_left", seconds=left))
        return guard(_join(*parts))
    if screen in ("opening", "open") and isinstance(view.get("door"), int):
        board = view.get("board") if isinstance(view.get("board"), int) else None
        return guard(_join(_fill(screen, place=door_place(view["door"], board, geometry))))
    if screen == "pin":
        return guard(_join(*_pin(view)))
    if screen == "printing":
        return guard(_join(*_printing(view)))
    if screen == "presented":
        tray = {"id": "di bawah layar", "en": "below the screen"} if tray_below else \
            {"id": "di samping layar", "en": "beside the screen"}
        left = _seconds_until(view.get("retain_at"), now)
        return guard(_join(_fill("presented", tray=tray),
                           _fill("presented_retain", seconds=left) if left else None))
    return guard(_join(_fill(screen if screen in SCREENS and screen not in PAGE_SCREENS else "idle")))


def _pin(view: dict[str, Any]) -> list[dict[str, str] | None]:
    job = view.get("job") if isinstance(view.get("job"), dict) else {}
    wrong = None
    if job.get("wrong") and isinstance(job.get("attempts_left"), int):
        wrong = _fill("pin_wrong", left=job["attempts_left"])
    return [wrong, _fill("pin")]


def _printing(view: dict[str, Any]) -> list[dict[str, str] | None]:
    progress = view.get("progress") if isinstance(view.get("progress"), dict) else {}
    page, pages, eta = progress.get("page"), progress.get("pages"), progress.get("eta_s")
    return [_fill("printing"),
            _fill("printing_pages", page=page, pages=pages) if isinstance(page, int) and isinstance(pages, int) else None,
            _fill("printing_eta", seconds=math.ceil(eta)) if isinstance(eta, int | float) and eta > 0 else None]


def for_page(screen: str, *, seconds: int | None = None, volume: int | None = None) -> list[Utterance]:
    """What is said for a screen or a change the page makes on its own (typed code, menus, settings)."""
    if screen not in PAGE_SCREENS:
        raise ValueError(f"not a page screen: {screen[:40]!r}")
    if screen == "pin_reset":
        return guard(_join(_fill(screen, seconds=seconds or 0)))
    if screen == "volume":
        return guard(_join(_fill(screen, volume=volume or 0)))
    return guard(_join(_fill(screen)))


def guard(utterances: list[Utterance]) -> list[Utterance]:
    """Drop any long run of digits: a PIN, a pickup code or a NIK is never spoken."""
    return [(lang, _LONG_NUMBER.sub("", text).strip()) for lang, text in utterances]
