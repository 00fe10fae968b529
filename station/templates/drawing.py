"""What a template's pages draw: shapes, text, labels, images, field boxes, paragraphs, tables, the seal.

The parts of a manifest's `[[pages]]` (`manifest.Manifest` checks that what
they name exists). Positions and sizes are millimetres from the page's
top-left corner; font sizes are points. Unknown keys are errors.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

FIELD_NAME = r"^[a-z][a-z0-9_]{0,47}$"
PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]{0,47})\}")

Mm = Annotated[float, Field(ge=-50, le=2000)]
Length = Annotated[float, Field(gt=0, le=2000)]
Points = Annotated[float, Field(ge=2, le=200)]
Color = Annotated[str, Field(pattern=r"^#[0-9A-Fa-f]{6}$")]
Align = Literal["left", "center", "right"]



class Model(BaseModel):
    """A manifest part: unknown keys are errors; values never change after reading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- what is drawn ------------------------------------------------------------

class Stroke(Model):
    """Outline and fill of a shape; no colour means not drawn."""

    stroke: Color | None = "#000000"
    fill: Color | None = None
    line_width: float = Field(0.5, ge=0, le=20)  # points


class LineShape(Stroke):
    """A straight line."""

    kind: Literal["line"]
    x1: Mm
    y1: Mm
    x2: Mm
    y2: Mm


class RectShape(Stroke):
    """A rectangle, optionally with rounded corners."""

    kind: Literal["rect"]
    x: Mm
    y: Mm
    width: Length
    height: Length
    radius: float = Field(0, ge=0, le=100)


class CircleShape(Stroke):
    """A circle."""

    kind: Literal["circle"]
    cx: Mm
    cy: Mm
    r: Length


class PolygonShape(Stroke):
    """A closed polygon through the given points."""

    kind: Literal["polygon"]
    points: list[tuple[Mm, Mm]] = Field(min_length=3, max_length=500)


class StarShape(Stroke):
    """A regular star (emblems): `points` tips between two radii."""

    kind: Literal["star"]
    cx: Mm
    cy: Mm
    outer: Length
    inner: Length
    points: int = Field(5, ge=3, le=64)
    rotation: float = Field(0, ge=-360, le=360)  # degrees; 0 puts a tip straight up


Shape = Annotated[LineShape | RectShape | CircleShape | PolygonShape | StarShape, Field(discriminator="kind")]


class Group(Model):
    """Shapes drawn in their own coordinates, moved to (x, y) and scaled (an emblem)."""

    x: Mm = 0
    y: Mm = 0
    scale: float = Field(1.0, gt=0, le=100)
    shapes: list[Shape] = Field(max_length=2000)


class TextSpec(Model):
    """Static text on one line; (x, y) is the anchor of its baseline."""

    text: str = Field(min_length=1, max_length=500)
    x: Mm
    y: Mm
    font: str
    size: Points = 10
    align: Align = "left"
    color: Color = "#000000"


class LabelSpec(Model):
    """A label in Indonesian with its English translation beneath, smaller."""

    text: str = Field(min_length=1, max_length=200)
    en: str = Field("", max_length=200)
    x: Mm
    y: Mm
    font: str
    en_font: str | None = None
    size: Points = 9
    en_size: Points | None = None
    align: Align = "left"
    color: Color = "#000000"
    en_color: Color = "#444444"


class ImageSpec(Model):
    """A PNG or JPEG image from the bundle, fitted into its box keeping its proportions."""

    file: str
    x: Mm
    y: Mm
    width: Length
    height: Length


class BoxSpec(Model):
    """Where a field's value goes. Too long: shrink to min_size, then wrap, then refuse."""

    field: str = Field(pattern=FIELD_NAME)
    x: Mm
    y: Mm
    width: Length
    height: Length
    font: str
    size: Points = 10
    min_size: Points | None = None
    align: Align = "left"
    valign: Literal["top", "middle", "baseline"] = "middle"
    wrap: bool = True
    leading: float = Field(1.2, ge=0.8, le=3)
    color: Color = "#000000"


class ParagraphSpec(Model):
    """Running text with `{field}` placeholders, wrapped in its box.

    Too long: set one size smaller at a time down to min_size, then refuse.
    Without placeholders it is static and drawn once per template.
    """

    text: str = Field(min_length=1, max_length=5000)
    x: Mm
    y: Mm
    width: Length
    height: Length
    font: str
    size: Points = 10
    min_size: Points | None = None
    align: Literal["left", "center", "right", "justify"] = "left"
    leading: float = Field(1.3, ge=0.8, le=3)
    color: Color = "#000000"

    def placeholders(self) -> list[str]:
        """The field names this paragraph draws, in order."""
        return PLACEHOLDER.findall(self.text)


class ColumnSpec(Model):
    """One column of a drawn table."""

    column: str = Field(pattern=FIELD_NAME)
    header: str = Field(min_length=1, max_length=100)
    en: str = Field("", max_length=100)
    width: Length
    align: Align = "left"
    size: Points | None = None
    min_size: Points | None = None


class NumberColumn(Model):
    """The leading column that numbers the rows."""

    header: str = "No"
    en: str = ""
    width: Length = 8


class TableLayout(Model):
    """A table drawn on a page: a header row, then one row per data row (up to `rows`)."""

    table: str = Field(pattern=FIELD_NAME)
    x: Mm
    y: Mm
    rows: int = Field(ge=1, le=50)
    row_height: Length
    header_height: Length
    font: str
    header_font: str | None = None
    size: Points = 8
    min_size: Points | None = None
    header_size: Points = 7
    numbers: NumberColumn | None = NumberColumn()
    columns: list[ColumnSpec] = Field(min_length=1, max_length=30)
    line_color: Color = "#000000"
    header_fill: Color | None = "#E8E8E8"
    line_width: float = Field(0.5, ge=0.1, le=5)

    @property
    def width(self) -> float:
        """The table's whole width in millimetres."""
        return sum(c.width for c in self.columns) + (self.numbers.width if self.numbers else 0)

    @property
    def height(self) -> float:
        """The table's whole height in millimetres."""
        return self.header_height + self.rows * self.row_height


class SealPlacement(Model):
    """Where the seal QR goes on a page (a square), with an optional caption beneath."""

    x: Mm
    y: Mm
    size: Length = 32
    caption: str = Field("", max_length=300)
    caption_font: str | None = None
    caption_size: Points = 6


class PageLayout(Model):
    """Everything on one page."""

    background_page: int | None = Field(None, ge=1, le=100)
    groups: list[Group] = Field([], max_length=100)
    shapes: list[Shape] = Field([], max_length=2000)
    images: list[ImageSpec] = Field([], max_length=20)
    texts: list[TextSpec] = Field([], max_length=500)
    labels: list[LabelSpec] = Field([], max_length=200)
    paragraphs: list[ParagraphSpec] = Field([], max_length=50)
    boxes: list[BoxSpec] = Field([], max_length=200)
    tables: list[TableLayout] = Field([], max_length=4)
    seal: SealPlacement
