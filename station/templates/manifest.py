"""The template manifest (`template.toml`): a declarative description of a document.

Nothing in a template executes. A manifest names the page, the fonts, the
fields a document's data may carry, and what goes where on each page:
shapes, static text and labels, images, field boxes, paragraphs with
`{field}` placeholders, tables with repeated rows, and the seal QR.
Positions and sizes are millimetres from the page's top-left corner; font
sizes are points. Unknown keys are errors, so a typo never passes silently.
What a page draws is in `drawing`; this module holds the whole and its checks.
"""

from __future__ import annotations

import re
import tomllib
from typing import Literal

from pydantic import Field, ValidationError, field_validator, model_validator

from ..errors import StationError
from .drawing import FIELD_NAME, Length, Model, PageLayout

MANIFEST_FILE = "template.toml"

TEMPLATE_ID = r"^[a-z0-9][a-z0-9-]{0,62}$"

PAGE_SIZES_MM = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "F4": (215.0, 330.0),
                 "Letter": (215.9, 279.4), "Legal": (215.9, 355.6)}


class InvalidTemplate(StationError):
    """The manifest or an asset of a bundle does not describe a usable template."""

    reason = "invalid_template"

    def __init__(self, message: str) -> None:
        super().__init__(message, exit_code=1)


# --- the data a document carries --------------------------------------------

class FieldSpec(Model):
    """One field of the document's data (a string)."""

    name: str = Field(pattern=FIELD_NAME)
    label: str = ""
    required: bool = True
    kind: Literal["text", "digits"] = "text"
    min_length: int = Field(0, ge=0, le=2000)
    max_length: int = Field(200, ge=1, le=2000)


class TableSpec(Model):
    """Repeated rows of data: keys `TABLE.N.COLUMN`, rows numbered from 1 without gaps."""

    name: str = Field(pattern=FIELD_NAME)
    max_rows: int = Field(ge=1, le=50)
    min_rows: int = Field(0, ge=0, le=50)
    columns: list[FieldSpec] = Field(min_length=1, max_length=30)


class PageSetup(Model):
    """Paper size, orientation and margins (millimetres)."""

    size: Literal["A4", "A5", "F4", "Letter", "Legal"] | None = "A4"
    width: Length | None = None
    height: Length | None = None
    orientation: Literal["portrait", "landscape"] = "portrait"
    margin_top: float = Field(10, ge=0, le=100)
    margin_right: float = Field(10, ge=0, le=100)
    margin_bottom: float = Field(10, ge=0, le=100)
    margin_left: float = Field(10, ge=0, le=100)

    @model_validator(mode="after")
    def _size_given(self) -> PageSetup:
        if (self.width is None) != (self.height is None):
            raise ValueError("give both width and height, or neither")
        if self.size is None and self.width is None:
            raise ValueError("give a size (A4, ...) or width and height")
        return self

    @property
    def dimensions(self) -> tuple[float, float]:
        """(width, height) in millimetres, after orientation."""
        if self.width is not None and self.height is not None:
            w, h = self.width, self.height
        else:
            w, h = PAGE_SIZES_MM[self.size or "A4"]
        if (self.orientation == "landscape") != (w > h):
            w, h = h, w
        return w, h


class SealSpec(Model):
    """Which fields the seal QR carries (PROTOCOLS.md §5, claim -4)."""

    fields: list[str] = Field(min_length=1, max_length=8)


class Manifest(Model):
    """A whole template."""

    id: str = Field(pattern=TEMPLATE_ID)
    version: int = Field(ge=1, le=1_000_000)
    title: str = Field(min_length=1, max_length=200)
    subject: str = Field("", max_length=500)
    language: str = Field("id", pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
    background: str | None = None
    page: PageSetup = PageSetup()
    fonts: dict[str, str] = Field(min_length=1, max_length=12)
    fields: list[FieldSpec] = Field([], max_length=200)
    tables: list[TableSpec] = Field([], max_length=8)
    seal: SealSpec
    pages: list[PageLayout] = Field(min_length=1, max_length=20)

    @field_validator("fonts")
    @classmethod
    def _font_names(cls, fonts: dict[str, str]) -> dict[str, str]:
        for key in fonts:
            if not re.match(FIELD_NAME, key):
                raise ValueError(f"font name {key!r} must be lower case letters, digits and _")
        return fonts

    @model_validator(mode="after")
    def _references(self) -> Manifest:
        problems: list[str] = []
        names = [f.name for f in self.fields] + [t.name for t in self.tables]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            problems.append(f"field/table names used twice: {duplicates}")
        scalar = {f.name: f for f in self.fields}
        tables = {t.name: t for t in self.tables}
        for table in self.tables:
            if table.min_rows > table.max_rows:
                problems.append(f"table {table.name}: min_rows exceeds max_rows")
            columns = [c.name for c in table.columns]
            if len(columns) != len(set(columns)):
                problems.append(f"table {table.name}: a column name is used twice")
        for field in self.fields + [c for t in self.tables for c in t.columns]:
            if field.min_length > field.max_length:
                problems.append(f"field {field.name}: min_length exceeds max_length")
        for name in self.seal.fields:
            if name not in scalar:
                problems.append(f"seal field {name!r} is not a field")
            elif not scalar[name].required:
                problems.append(f"seal field {name!r} must be a required field")

        def font(key: str | None, where: str) -> None:
            if key is not None and key not in self.fonts:
                problems.append(f"{where}: no font {key!r} in [fonts]")

        for number, page in enumerate(self.pages, 1):
            where = f"pages[{number}]"
            for item in page.texts:
                font(item.font, f"{where} text {item.text[:20]!r}")
            for item in page.labels:
                font(item.font, f"{where} label {item.text[:20]!r}")
                font(item.en_font, f"{where} label {item.text[:20]!r}")
            for box in page.boxes:
                font(box.font, f"{where} box {box.field}")
                if box.field not in scalar:
                    problems.append(f"{where}: box for unknown field {box.field!r}")
            for para in page.paragraphs:
                font(para.font, f"{where} paragraph")
                for name in para.placeholders():
                    if name not in scalar:
                        problems.append(f"{where}: paragraph placeholder {{{name}}} is not a field")
            for layout in page.tables:
                font(layout.font, f"{where} table {layout.table}")
                font(layout.header_font, f"{where} table {layout.table}")
                spec = tables.get(layout.table)
                if spec is None:
                    problems.append(f"{where}: table {layout.table!r} is not in [[tables]]")
                    continue
                if layout.rows < spec.max_rows:
                    problems.append(f"{where}: table {layout.table} draws {layout.rows} rows,"
                                    f" fewer than its max_rows {spec.max_rows}")
                known = {c.name for c in spec.columns}
                for column in layout.columns:
                    if column.column not in known:
                        problems.append(f"{where}: table {layout.table} has no column {column.column!r}")
            font(page.seal.caption_font, f"{where} seal caption")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def page_size_mm(self) -> tuple[float, float]:
        """(width, height) of every page, in millimetres."""
        return self.page.dimensions


def parse_manifest(data: bytes, where: str = MANIFEST_FILE) -> Manifest:
    """Read and check a manifest from its bytes; InvalidTemplate names what is wrong."""
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise InvalidTemplate(f"{where} is not UTF-8") from None
    except tomllib.TOMLDecodeError as err:
        raise InvalidTemplate(f"{where} is not valid TOML: {err}") from None
    try:
        return Manifest.model_validate(raw)
    except ValidationError as err:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top)'}: {e['msg']}" for e in err.errors()[:8])
        raise InvalidTemplate(f"{where}: {problems}") from None
