"""The station's words for staff, in Indonesian and English: one vocabulary for the ops page and the CLI (ADR 0320)."""

from .alarms import ALARMS, FAMILIES, alarm_text, alarm_title, words_for
from .slots import DOOR, ITEM, SLOT_STATES, TAKE_OUT, door_word, item_word
from .serve import as_json

__all__ = ["ALARMS", "DOOR", "FAMILIES", "ITEM", "SLOT_STATES", "TAKE_OUT", "alarm_text", "alarm_title", "as_json",
           "door_word", "item_word", "words_for"]
