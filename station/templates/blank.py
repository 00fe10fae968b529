"""The blank: every page's unchanging content, drawn once per template.

reportlab draws the static layer (shapes, emblem, images, static text and
labels, static paragraphs, table grids and headers, the seal caption); pypdf
lays it over the agency's background PDF, when there is one. Each finished
page becomes a Form XObject, serialised once, that every document of the
template reuses as it is.
"""

from __future__ import annotations

import hashlib
import io
import math
from collections.abc import Callable, Mapping

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .fonts import Font
from .layout import Frame, fit_paragraph
from .drawing import (CircleShape, Group, LabelSpec, LineShape, PageLayout, ParagraphSpec, PolygonShape, RectShape,
                      Shape, StarShape, TableLayout)
from .manifest import InvalidTemplate, Manifest
from .pdf import Prefix, pages_as_forms

Point = tuple[float, float]
# Maps manifest millimetres (from the top-left) to reportlab points (from the bottom-left).
Mapper = Callable[[float, float], Point]

# Horizontal padding inside table cells, millimetres.
CELL_PADDING = 1.0
# Gap between the seal square and its caption, millimetres.
CAPTION_GAP = 1.5


def reportlab_font(data: bytes) -> str:
    """Register a font's bytes with reportlab once; returns the name to draw with."""
    key = "T" + hashlib.sha256(data).hexdigest()[:20]
    if key not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(key, io.BytesIO(data)))
    return key


class BlankPainter:
    """Draws the static layer of a template's pages with reportlab."""

    def __init__(self, manifest: Manifest, files: Mapping[str, bytes], fonts: Mapping[str, Font]) -> None:
        self.manifest = manifest
        self.files = files
        self.fonts = fonts
        self.rl_names = {key: reportlab_font(files[path]) for key, path in manifest.fonts.items()}
        self.width_mm, self.height_mm = manifest.page_size_mm()

    def to_pt(self, x: float, y: float) -> Point:
        """Manifest millimetres from the top-left to points from the bottom-left."""
        return x * mm, (self.height_mm - y) * mm

    def draw(self) -> bytes:
        """The static layer of every page, as one PDF."""
        out = io.BytesIO()
        first_font = next(iter(self.rl_names.values()))
        canvas = Canvas(out, pagesize=(self.width_mm * mm, self.height_mm * mm), invariant=1,
                        initialFontName=first_font, initialFontSize=10, pageCompression=1)
        canvas.setTitle(self.manifest.title)
        for page in self.manifest.pages:
            self.draw_page(canvas, page)
            canvas.showPage()
        canvas.save()
        return out.getvalue()

    def draw_page(self, canvas: Canvas, page: PageLayout) -> None:
        """One page's static layer, back to front."""
        for group in page.groups:
            self.draw_group(canvas, group)
        for shape in page.shapes:
            self.draw_shape(canvas, shape, self.to_pt)
        for image in page.images:
            data = self.files[image.file]
            x, y = self.to_pt(image.x, image.y + image.height)
            canvas.drawImage(ImageReader(io.BytesIO(data)), x, y, image.width * mm, image.height * mm,
                             mask="auto", preserveAspectRatio=True, anchor="c")
        for text in page.texts:
            self.draw_text(canvas, text.text, text.font, text.size, text.color, text.align,
                           *self.to_pt(text.x, text.y))
        for label in page.labels:
            self.draw_label(canvas, label)
        for para in page.paragraphs:
            if not para.placeholders():
                self.draw_static_paragraph(canvas, para)
        for table in page.tables:
            self.draw_table(canvas, table)
        seal = page.seal
        if seal.caption:
            font_key = seal.caption_font or next(iter(self.manifest.fonts))
            frame = Frame(seal.x * mm - 6 * mm, (self.height_mm - seal.y - seal.size - CAPTION_GAP) * mm,
                          seal.size * mm + 12 * mm, 30 * mm)
            self.draw_lines(canvas, seal.caption, font_key, seal.caption_size, seal.caption_size,
                            frame, "center", 1.2, "#000000")

    # --- shapes -------------------------------------------------------------

    def draw_group(self, canvas: Canvas, group: Group) -> None:
        """An emblem: shapes in their own millimetres, moved and scaled."""
        def mapper(x: float, y: float) -> Point:
            return self.to_pt(group.x + x * group.scale, group.y + y * group.scale)
        for shape in group.shapes:
            self.draw_shape(canvas, shape, mapper, group.scale)

    @staticmethod
    def draw_shape(canvas: Canvas, shape: Shape, to_pt: Mapper, scale: float = 1.0) -> None:
        """One shape, stroked and/or filled."""
        stroke, fill = shape.stroke is not None and shape.line_width > 0, shape.fill is not None
        if not (stroke or fill):
            return
        canvas.saveState()
        if shape.stroke is not None:
            canvas.setStrokeColor(HexColor(shape.stroke))
        if shape.fill is not None:
            canvas.setFillColor(HexColor(shape.fill))
        canvas.setLineWidth(shape.line_width)
        canvas.setLineJoin(1)
        if isinstance(shape, LineShape):
            canvas.line(*to_pt(shape.x1, shape.y1), *to_pt(shape.x2, shape.y2))
        elif isinstance(shape, RectShape):
            x, y = to_pt(shape.x, shape.y + shape.height)
            w, h = shape.width * mm * scale, shape.height * mm * scale
            if shape.radius:
                canvas.roundRect(x, y, w, h, shape.radius * mm * scale, stroke=int(stroke), fill=int(fill))
            else:
                canvas.rect(x, y, w, h, stroke=int(stroke), fill=int(fill))
        elif isinstance(shape, CircleShape):
            canvas.circle(*to_pt(shape.cx, shape.cy), shape.r * mm * scale, stroke=int(stroke), fill=int(fill))
        else:
            points = shape.points if isinstance(shape, PolygonShape) else star_points(shape)
            path = canvas.beginPath()
            path.moveTo(*to_pt(*points[0]))
            for point in points[1:]:
                path.lineTo(*to_pt(*point))
            path.close()
            canvas.drawPath(path, stroke=int(stroke), fill=int(fill))
        canvas.restoreState()

    # --- text ---------------------------------------------------------------

    def draw_text(self, canvas: Canvas, text: str, font_key: str, size: float, color: str, align: str,
                  x: float, y: float) -> None:
        """One line of static text anchored at (x, y) points."""
        canvas.setFont(self.rl_names[font_key], size)
        canvas.setFillColor(HexColor(color))
        if align == "center":
            canvas.drawCentredString(x, y, text)
        elif align == "right":
            canvas.drawRightString(x, y, text)
        else:
            canvas.drawString(x, y, text)

    def draw_label(self, canvas: Canvas, label: LabelSpec) -> None:
        """An Indonesian label with its English translation beneath."""
        x, y = self.to_pt(label.x, label.y)
        self.draw_text(canvas, label.text, label.font, label.size, label.color, label.align, x, y)
        if label.en:
            en_size = label.en_size or round(label.size * 0.8, 1)
            self.draw_text(canvas, label.en, label.en_font or label.font, en_size, label.en_color,
                           label.align, x, y - en_size * 1.15)

    def draw_lines(self, canvas: Canvas, text: str, font_key: str, size: float, min_size: float,
                   frame: Frame, align: str, leading: float, color: str) -> None:
        """Static running text wrapped in a frame (points)."""
        font = self.fonts[font_key]
        try:
            used, lines = fit_paragraph(text, font, frame, size=size, min_size=min_size, align=align,
                                        leading=leading)
        except ValueError as err:
            raise InvalidTemplate(f"static text {text[:30]!r}...: {err}") from None
        canvas.setFont(self.rl_names[font_key], used)
        canvas.setFillColor(HexColor(color))
        for line in lines:
            if not line.gap:
                canvas.drawString(line.x, line.y, line.text)
                continue
            x = line.x
            space = font.width(" ", used) + line.gap
            for word in line.text.split(" "):
                canvas.drawString(x, line.y, word)
                x += font.width(word, used) + space

    def draw_static_paragraph(self, canvas: Canvas, para: ParagraphSpec) -> None:
        """A paragraph without placeholders."""
        left, top = self.to_pt(para.x, para.y)
        frame = Frame(left, top, para.width * mm, para.height * mm)
        self.draw_lines(canvas, para.text, para.font, para.size, para.min_size or para.size, frame,
                        para.align, para.leading, para.color)

    # --- tables -------------------------------------------------------------

    def draw_table(self, canvas: Canvas, table: TableLayout) -> None:
        """Grid, header row and row numbers of a table."""
        line_color = HexColor(table.line_color)
        left, top = self.to_pt(table.x, table.y)
        width, height = table.width * mm, table.height * mm
        header_h = table.header_height * mm
        canvas.saveState()
        if table.header_fill:
            canvas.setFillColor(HexColor(table.header_fill))
            canvas.rect(left, top - header_h, width, header_h, stroke=0, fill=1)
        canvas.setStrokeColor(line_color)
        canvas.setLineWidth(table.line_width)
        canvas.rect(left, top - height, width, height, stroke=1, fill=0)
        for row in range(table.rows):
            y = top - header_h - row * table.row_height * mm
            canvas.line(left, y, left + width, y)
        x = left
        headers: list[tuple[float, float, str, str]] = []
        if table.numbers:
            headers.append((x, table.numbers.width * mm, table.numbers.header, table.numbers.en))
            x += table.numbers.width * mm
        for column in table.columns:
            headers.append((x, column.width * mm, column.header, column.en))
            x += column.width * mm
        for x_col, _, _, _ in headers[1:]:
            canvas.line(x_col, top, x_col, top - height)
        canvas.restoreState()
        header_font = table.header_font or table.font
        for x_col, w_col, text, en in headers:
            self.draw_header(canvas, header_font, table.header_size, x_col, top, w_col, header_h, text, en)
        if table.numbers:
            font = self.fonts[table.font]
            for row in range(table.rows):
                cell_top = top - header_h - row * table.row_height * mm
                baseline = (cell_top - (table.row_height * mm) / 2
                            - (font.ascent + font.descent) / 2 * table.size)
                self.draw_text(canvas, str(row + 1), table.font, table.size, "#000000", "center",
                               left + table.numbers.width * mm / 2, baseline)

    def draw_header(self, canvas: Canvas, font_key: str, size: float, left: float, top: float,
                    width: float, height: float, text: str, en: str) -> None:
        """A column header: Indonesian, English beneath, centred in the cell."""
        font = self.fonts[font_key]
        en_size = round(size * 0.85, 1)
        inner = width - 2 * CELL_PADDING * mm
        lines = [(text, size, "#000000")]
        if en:
            lines.append((en, en_size, "#444444"))
        total = sum(s * 1.15 for _, s, _ in lines)
        y = top - (height - total) / 2
        for line, line_size, color in lines:
            # A header too wide for its column is set smaller, never clipped.
            fitted = min(line_size, inner / max(font.width(line, 1.0), 1e-6))
            self.draw_text(canvas, line, font_key, fitted, color, "center", left + width / 2,
                           y - font.ascent * line_size)
            y -= line_size * 1.15


def star_points(star: StarShape) -> list[tuple[float, float]]:
    """The outline of a star, tips and notches alternating (y grows downwards)."""
    points = []
    for index in range(star.points * 2):
        radius = star.outer if index % 2 == 0 else star.inner
        angle = math.radians(star.rotation - 90 + index * 180 / star.points)
        points.append((star.cx + radius * math.cos(angle), star.cy + radius * math.sin(angle)))
    return points


def build_blank(manifest: Manifest, files: Mapping[str, bytes],
                fonts: Mapping[str, Font]) -> tuple[Prefix, list[int], tuple[float, float, float, float]]:
    """The template's pages with all static content, as shared PDF objects.

    Returns the prefix, the Form XObject number of each page, and the media box.
    """
    static = BlankPainter(manifest, files, fonts).draw()
    try:
        overlay = PdfReader(io.BytesIO(static))
        if manifest.background is None:
            pages = list(overlay.pages)
        else:
            pages = _merge_background(manifest, files[manifest.background], overlay)
        prefix, forms, boxes = pages_as_forms(pages)
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise InvalidTemplate(f"cannot build the template's pages: {type(err).__name__}: {err}") from None
    return prefix, forms, boxes[0]


def _merge_background(manifest: Manifest, data: bytes, overlay: PdfReader) -> list:
    """The static layer laid over the background PDF, page by page (pypdf)."""
    background = PdfReader(io.BytesIO(data))
    if background.is_encrypted:
        raise InvalidTemplate(f"background {manifest.background} is encrypted")
    width, height = (v * mm for v in manifest.page_size_mm())
    writer = PdfWriter()
    for index, page in enumerate(manifest.pages):
        number = page.background_page or min(index + 1, len(background.pages))
        if number > len(background.pages):
            raise InvalidTemplate(f"background {manifest.background} has no page {number}")
        source = background.pages[number - 1]
        box = source.mediabox
        if source.get("/Rotate", 0) or abs(float(box.width) - width) > 1 or abs(float(box.height) - height) > 1:
            raise InvalidTemplate(f"background page {number} is {float(box.width):.0f} x {float(box.height):.0f}"
                                  f" pt, the template's page {width:.0f} x {height:.0f} pt (unrotated)")
        merged = writer.add_page(source)
        merged.merge_page(overlay.pages[index])
    out = io.BytesIO()
    writer.write(out)
    return list(PdfReader(io.BytesIO(out.getvalue())).pages)
