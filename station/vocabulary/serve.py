"""The vocabulary as one JSON document, for the ops page (`/ops/vocabulary.json`): one table per language."""

from __future__ import annotations

from typing import Any

from .devices import DEVICE_STATES, PRINTER_REASONS
from .alarms import ALARMS, FALLBACK, FAMILIES, AlarmWords
from .slots import DOOR, ITEM, SLOT_STATES, TAKE_OUT
from .words import LANGUAGES


def _alarms(table: dict[str, AlarmWords], language: str) -> dict[str, dict[str, str]]:
    return {kind: {"title": words.title.get(language), "message": words.message.get(language)}
            for kind, words in table.items()}


def as_json() -> dict[str, Any]:
    """{"id": {"alarms": {kind: {title, message}}, "families": ..., "fallback": ..., "door": ..., "item": ...,
    "slot": ...}, "en": ...}; messages hold `{slot}`, `{job}` and `{device}` for the page to fill."""
    return {language: {
        "alarms": _alarms(ALARMS, language), "families": _alarms(FAMILIES, language),
        "fallback": _alarms({"": FALLBACK}, language)[""],
        "door": {key: words.get(language) for key, words in DOOR.items()},
        "item": {key: words.get(language) for key, words in ITEM.items()},
        "slot": {key: words.get(language) for key, words in SLOT_STATES.items()},
        "take_out": {key: words.get(language) for key, words in TAKE_OUT.items()},
        "printer_reason": {code: pair[0 if language == "id" else 1] for code, pair in PRINTER_REASONS.items()},
        "device": {state: pair[0 if language == "id" else 1] for state, pair in DEVICE_STATES.items()},
    } for language in LANGUAGES}
