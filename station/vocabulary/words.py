"""One word in both languages, and how a reader picks a language."""

from __future__ import annotations

import os
from typing import NamedTuple

LANGUAGES = ("id", "en")  # Indonesian first


class Words(NamedTuple):
    """The same thing said in Indonesian and in English."""

    id: str
    en: str

    def get(self, language: str) -> str:
        return self.en if language == "en" else self.id


def language_of_environment() -> str:
    """The shell's language: Indonesian when LANGUAGE or LANG say so (`id_ID.UTF-8`), English otherwise."""
    for name in ("STATION_LANGUAGE", "LANGUAGE", "LC_ALL", "LANG"):
        value = os.environ.get(name, "")
        if value:
            return "id" if value.lower().startswith(("id", "in_")) else "en"
    return "en"
