"""A document's field data checked against its template: text only, nothing that misleads.

Field values are plain text, never markup. A value is refused, naming the
field, when it is not a string, carries a control, formatting or
bidirectional-override character, right-to-left script (the renderer does
no bidirectional layout), a combining mark with no precomposed form, or a
character the template's font cannot draw. Missing required fields and
unknown fields are refused too. Values are drawn in Unicode NFC.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import StationError
from .fonts import Font
from .manifest import FieldSpec, Manifest, TableSpec

MAX_KEYS = 1000
_TABLE_KEY = re.compile(r"^([a-z][a-z0-9_]{0,47})\.([1-9][0-9]{0,2})\.([a-z][a-z0-9_]{0,47})$")
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_RTL_CLASSES = frozenset({"R", "AL", "AN"})


class FieldError(StationError):
    """A field's value is refused; `field` names it, `reason` is a machine word."""

    def __init__(self, field: str, reason: str, message: str) -> None:
        super().__init__(f"field {field!r}: {message}", exit_code=1, http_status=422)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Rule:
    """What one field accepts: its spec and the fonts it is drawn with."""

    spec: FieldSpec
    fonts: tuple[Font, ...]


def describe(char: str) -> str:
    """`U+202E (RIGHT-TO-LEFT OVERRIDE)`: a character named for a person."""
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'unnamed')})"


def check_value(key: str, value: Any, rule: Rule) -> str:
    """The value as it will be drawn (NFC), or FieldError naming `key`."""
    spec = rule.spec
    if not isinstance(value, str):
        raise FieldError(key, "not_text", f"must be text (a JSON string), not {type(value).__name__}")
    if len(value) > spec.max_length:
        raise FieldError(key, "too_long", f"is {len(value)} characters long, at most {spec.max_length} allowed")
    if not (value.isascii() and value.isprintable()):
        for char in value:
            _check_char(key, char)
        value = unicodedata.normalize("NFC", value)
        for char in value:
            if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Mc", "Me"):
                raise FieldError(key, "combining_mark",
                                 f"combining mark {describe(char)} has no precomposed form the"
                                 " renderer can draw")
    stripped = value.strip()
    if stripped and spec.kind == "digits" and not (value.isascii() and value.isdigit()):
        raise FieldError(key, "not_digits", "must be digits 0-9 only")
    if stripped and len(stripped) < spec.min_length:
        raise FieldError(key, "too_short", f"must be at least {spec.min_length} characters long")
    for font in rule.fonts:
        missing = font.missing(value)
        if missing is not None:
            raise FieldError(key, "not_in_font",
                             f"character {describe(missing)} is not in the template's font {font.name}")
        widths = font.em_width
        for char in value:
            if widths[char] <= 0 and char != " ":
                raise FieldError(key, "zero_width", f"character {describe(char)} has no width in {font.name}")
    return value


def _check_char(key: str, char: str) -> None:
    category = unicodedata.category(char)
    if char in _BIDI_CONTROLS:
        raise FieldError(key, "bidi_control", f"bidirectional control character {describe(char)} is not allowed")
    if category == "Cc":
        raise FieldError(key, "control_character", f"control character U+{ord(char):04X} is not allowed")
    if category == "Cf":
        raise FieldError(key, "format_character", f"invisible formatting character {describe(char)} is not allowed")
    if category == "Cs":
        raise FieldError(key, "surrogate", f"lone surrogate U+{ord(char):04X} is not text")
    if category == "Co":
        raise FieldError(key, "private_use", f"private-use character U+{ord(char):04X} is not allowed")
    if category == "Cn":
        raise FieldError(key, "unassigned", f"unassigned code point U+{ord(char):04X} is not allowed")
    if category in ("Zl", "Zp"):
        raise FieldError(key, "line_break", f"line break {describe(char)} is not allowed")
    if unicodedata.bidirectional(char) in _RTL_CLASSES:
        raise FieldError(key, "right_to_left",
                         f"right-to-left character {describe(char)} is not supported by this renderer")


class DataRules:
    """Every rule of one template's data, compiled once."""

    def __init__(self, manifest: Manifest, fonts_of: Mapping[str, Iterable[Font]]) -> None:
        self.fields: dict[str, Rule] = {
            f.name: Rule(f, tuple(fonts_of.get(f.name, ()))) for f in manifest.fields}
        self.tables: dict[str, TableSpec] = {t.name: t for t in manifest.tables}
        self.columns: dict[tuple[str, str], Rule] = {
            (t.name, c.name): Rule(c, tuple(fonts_of.get(f"{t.name}.*.{c.name}", ())))
            for t in manifest.tables for c in t.columns}

    def check(self, data: Any) -> dict[str, str]:
        """Every value as it will be drawn; FieldError for the first field that is refused."""
        if not isinstance(data, Mapping):
            raise FieldError("(data)", "not_object", "document data must be an object of field -> text")
        if len(data) > MAX_KEYS:
            raise FieldError("(data)", "too_many", f"more than {MAX_KEYS} fields")
        rows: dict[str, set[int]] = {name: set() for name in self.tables}
        for key in sorted(data, key=str):
            if not isinstance(key, str):
                raise FieldError(str(key), "unknown_field", "field names must be text")
            if key in self.fields:
                continue
            match = _TABLE_KEY.match(key)
            if match and match[1] in self.tables and (match[1], match[3]) in self.columns:
                number = int(match[2])
                if number <= self.tables[match[1]].max_rows:
                    rows[match[1]].add(number)
                    continue
                raise FieldError(key, "too_many_rows",
                                 f"table {match[1]} has at most {self.tables[match[1]].max_rows} rows")
            raise FieldError(key, "unknown_field", "is not a field of this template")
        values: dict[str, str] = {}
        for name, rule in self.fields.items():
            self._take(values, name, data.get(name), rule)
        for table, spec in self.tables.items():
            present = sorted(rows[table])
            count = len(present)
            if present != list(range(1, count + 1)):
                gap = next(n for n in range(1, count + 2) if n not in rows[table])
                raise FieldError(f"{table}.{gap}", "row_gap", "row missing: rows are numbered from 1 without gaps")
            if count < spec.min_rows:
                raise FieldError(f"{table}.{count + 1}", "missing", f"table {table} needs at least"
                                                                   f" {spec.min_rows} rows")
            for number in present:
                for column in spec.columns:
                    key = f"{table}.{number}.{column.name}"
                    self._take(values, key, data.get(key), self.columns[(table, column.name)])
        return values

    @staticmethod
    def _take(values: dict[str, str], key: str, value: Any, rule: Rule) -> None:
        """Check one value and keep it to draw; a blank optional value draws nothing."""
        if value is not None:
            value = check_value(key, value, rule)
        if value is None or not value.strip():
            if rule.spec.required:
                raise FieldError(key, "missing", "is required but missing or empty")
            return
        values[key] = value

    def row_count(self, values: Mapping[str, str], table: str) -> int:
        """How many rows of `table` the checked values hold."""
        count = 0
        while any(f"{table}.{count + 1}.{c.name}" in values for c in self.tables[table].columns):
            count += 1
        return count
