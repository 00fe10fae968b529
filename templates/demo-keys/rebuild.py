"""Rebuild the demo template bundles: fonts, background PDFs, signatures, and the pictures in docs/.

    .venv/bin/python templates/demo-keys/rebuild.py            # assets + sign
    .venv/bin/python templates/demo-keys/rebuild.py --docs     # also render docs/templates/*.png

The bundles are committed already signed, so nothing here runs at station
run time. Edit a bundle's template.toml (and raise its `version`), then run
this to sign it again with the public demo key beside this file.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE.parent
ROOT = TEMPLATES.parent
sys.path.insert(0, str(ROOT))

from PIL import Image, ImageDraw, ImageFont  # noqa: E402
from reportlab.lib.colors import HexColor  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.lib.utils import ImageReader  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from station.cli import main as station  # noqa: E402
from station.templates.blank import reportlab_font  # noqa: E402

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU_LICENCE = Path("/usr/share/doc/fonts-dejavu-core/copyright")
KEY = HERE / "demo-template.pem"
STATION_ID = "MPP-DEMO-01"
# The time stamped on the pictures in docs/, so that rebuilding them changes nothing.
DOCS_TIME = "2026-03-02T09:30:00Z"

BUNDLES = {
    "akta-kelahiran": {"fonts": ["DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf"],
                       "tint": "#C8DCCB", "page": (210, 297)},
    "kartu-keluarga": {"fonts": ["DejaVuSansCondensed.ttf", "DejaVuSansCondensed-Bold.ttf",
                                 "DejaVuSansCondensed-Oblique.ttf"],
                       "tint": "#C9D8EC", "page": (297, 210)},
    "nib": {"fonts": ["DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf"],
            "tint": "#E9D9B8", "page": (210, 297)},
}


def copy_fonts(bundle: Path, names: list[str]) -> None:
    """The DejaVu fonts a bundle draws with, and their licence (which asks to travel with them)."""
    target = bundle / "fonts"
    target.mkdir(exist_ok=True)
    for name in names:
        source = DEJAVU / name
        if not source.exists():
            raise SystemExit(f"{source} is missing: install the Debian package fonts-dejavu-core")
        if not (target / name).exists() or (target / name).read_bytes() != source.read_bytes():
            shutil.copyfile(source, target / name)
    if DEJAVU_LICENCE.exists():
        shutil.copyfile(DEJAVU_LICENCE, target / "LICENSE-DejaVu.txt")


def background(width_mm: float, height_mm: float, tint: str, font: bytes) -> bytes:
    """An agency's blank, made up: a guilloche border, a faint rosette and a SPECIMEN mark."""
    out = io.BytesIO()
    w, h = width_mm * mm, height_mm * mm
    canvas = Canvas(out, pagesize=(w, h), invariant=1, initialFontName=reportlab_font(font), pageCompression=1)
    colour = HexColor(tint)
    canvas.setStrokeColor(colour)
    canvas.setLineWidth(0.35)
    inset, band = 5 * mm, 5 * mm
    # Border: sine waves running round the page, phase-shifted against each other.
    perimeter = 2 * (w + h - 4 * inset)
    steps = 900
    for strand in range(6):
        path = canvas.beginPath()
        for i in range(steps + 1):
            p = perimeter * i / steps
            x, y, nx, ny = _along_frame(p, inset, w, h)
            depth = band / 2 + band / 2 * math.sin(2 * math.pi * p / (9 * mm) + strand * math.pi / 3)
            point = (x + nx * depth, y + ny * depth)
            if i == 0:
                path.moveTo(*point)
            else:
                path.lineTo(*point)
        canvas.drawPath(path, stroke=1, fill=0)
    # Rosette: a hypotrochoid in the middle of the page.
    canvas.setLineWidth(0.25)
    cx, cy = w / 2, h / 2
    big, small, arm = 60 * mm, 22 * mm, 30 * mm
    path = canvas.beginPath()
    turns = 11
    for i in range(2501):
        t = 2 * math.pi * turns * i / 2500
        x = (big - small) * math.cos(t) + arm * math.cos((big - small) / small * t)
        y = (big - small) * math.sin(t) - arm * math.sin((big - small) / small * t)
        point = (cx + x * 0.8, cy + y * 0.8)
        if i == 0:
            path.moveTo(*point)
        else:
            path.lineTo(*point)
    canvas.drawPath(path, stroke=1, fill=0)
    # A fictional document says so, where nobody can crop it away. It is a
    # picture, not text, so that extracting the document's text stays clean.
    canvas.saveState()
    canvas.translate(cx, cy)
    canvas.rotate(math.degrees(math.atan2(h, w)))
    mark = watermark("SPESIMEN · SPECIMEN", tint, font)
    mark_w = 0.62 * math.hypot(w, h)
    mark_h = mark_w * mark.height / mark.width
    canvas.drawImage(ImageReader(mark), -mark_w / 2, -mark_h / 2, mark_w, mark_h, mask="auto")
    canvas.restoreState()
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def watermark(text: str, tint: str, font: bytes) -> Image.Image:
    """Pale text on a transparent picture."""
    face = ImageFont.truetype(io.BytesIO(font), 120)
    left, top, right, bottom = face.getbbox(text)
    picture = Image.new("RGBA", (right - left + 40, bottom - top + 40), (255, 255, 255, 0))
    red, green, blue = (int(tint[i:i + 2], 16) for i in (1, 3, 5))
    ImageDraw.Draw(picture).text((20 - left, 20 - top), text, font=face, fill=(red, green, blue, 150))
    return picture


def logo() -> bytes:
    """A made-up round logo of the public-service mall, as a PNG with transparency."""
    side = 360
    picture = Image.new("RGBA", (side, side), (255, 255, 255, 0))
    draw = ImageDraw.Draw(picture)
    draw.ellipse((6, 6, side - 6, side - 6), fill=(90, 58, 18, 255))
    draw.ellipse((30, 30, side - 30, side - 30), outline=(233, 217, 184, 255), width=8)
    for index in range(12):  # twelve petals: the services under one roof
        angle = 2 * math.pi * index / 12
        cx, cy = side / 2 + 112 * math.cos(angle), side / 2 + 112 * math.sin(angle)
        draw.ellipse((cx - 16, cy - 16, cx + 16, cy + 16), fill=(201, 162, 39, 255))
    face = ImageFont.truetype(str(DEJAVU / "DejaVuSans-Bold.ttf"), 78)
    left, top, right, bottom = face.getbbox("MPP")
    draw.text(((side - right - left) / 2, (side - bottom - top) / 2), "MPP", font=face,
              fill=(255, 255, 255, 255))
    out = io.BytesIO()
    picture.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _along_frame(p: float, inset: float, w: float, h: float) -> tuple[float, float, float, float]:
    """A point at distance p along the inset frame, with the inward normal there."""
    sides = [(inset, inset, 1, 0, w - 2 * inset, 0, 1), (w - inset, inset, 0, 1, h - 2 * inset, -1, 0),
             (w - inset, h - inset, -1, 0, w - 2 * inset, 0, -1), (inset, h - inset, 0, -1, h - 2 * inset, 1, 0)]
    for x0, y0, dx, dy, length, nx, ny in sides:
        if p <= length:
            return x0 + dx * p, y0 + dy * p, nx, ny
        p -= length
    return inset, inset, 0, 1


def sign(bundle: Path) -> None:
    """Sign a bundle with the demo key (through the real command)."""
    os.chmod(KEY, 0o600)  # git does not keep the mode; the loader refuses a key others can read
    code = station(["template", "sign", str(bundle), "--key", str(KEY)])
    if code:
        raise SystemExit(f"signing {bundle} failed")


def render_docs(bundles: list[str]) -> None:
    """Render each example and keep its first page as a PNG in docs/templates/."""
    docs = ROOT / "docs" / "templates"
    docs.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        station_key = Path(tmp) / "station.pem"
        import hashlib

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from station.trust.store import save_private_key

        # A fixed, public station key: the pictures then change only when a template does.
        seed = hashlib.sha256(b"MPP Station demo pictures").digest()
        save_private_key(Ed25519PrivateKey.from_private_bytes(seed), station_key)
        for name in bundles:
            pdf = Path(tmp) / f"{name}.pdf"
            trust = Path(tmp) / "trust.json"
            shutil.copyfile(TEMPLATES / "trust.json", trust)
            code = station(["render", "--template", str(TEMPLATES / name), "--data",
                            str(TEMPLATES / "examples" / f"{name}.json"), "--trust", str(trust),
                            "--station-key", str(station_key), "--station", STATION_ID, "--out", str(pdf),
                            "--document-id", f"DEMO-{name.upper()}-0001", "--at", DOCS_TIME])
            if code:
                raise SystemExit(f"rendering {name} failed")
            subprocess.run(["pdftoppm", "-r", "80", "-png", "-singlefile", "-f", "1", "-l", "1", str(pdf),
                            str(docs / name)], check=True)
            print(f"docs/templates/{name}.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bundles", nargs="*", default=list(BUNDLES), help="bundles to rebuild (default: all)")
    parser.add_argument("--docs", action="store_true", help="also render docs/templates/*.png")
    args = parser.parse_args()
    for name in args.bundles:
        spec = BUNDLES[name]
        bundle = TEMPLATES / name
        copy_fonts(bundle, spec["fonts"])
        font = (bundle / "fonts" / spec["fonts"][0]).read_bytes()
        data = background(*spec["page"], spec["tint"], font)
        if not (bundle / "background.pdf").exists() or (bundle / "background.pdf").read_bytes() != data:
            (bundle / "background.pdf").write_bytes(data)
        if name == "nib":
            (bundle / "images").mkdir(exist_ok=True)
            data = logo()
            if not (bundle / "images" / "mpp-logo.png").exists() or \
                    (bundle / "images" / "mpp-logo.png").read_bytes() != data:
                (bundle / "images" / "mpp-logo.png").write_bytes(data)
        sign(bundle)
    if args.docs:
        render_docs(args.bundles)
    print(json.dumps({"rebuilt": args.bundles, "at": datetime.now(UTC).isoformat(timespec="seconds")}))


if __name__ == "__main__":
    main()
