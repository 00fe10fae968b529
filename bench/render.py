"""Rendering benchmark: documents per second on one core, per template, against a naive pipeline.

For each shipped template the same documents (the template's example data,
a new document id each time) go through:

- the station's renderer: the template verified and compiled once (blank
  pages serialised once), then per document only the field text, the font
  subsets, the seal QR (zxing-cpp) and the PDF objects around them;
- a naive pipeline, as one would first write it: per document a fresh
  reportlab canvas drawing everything (static layer included, with the same
  layout), reportlab's own QR widget for the seal, and pypdf merging that
  overlay onto the background page and setting the metadata.

Both sign the same seal. The process is pinned to one CPU. Prints, per
template, the median and p99 time per document, documents per second
(count / wall time) and the ratio between the two pipelines.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

# Run as `python bench/render.py`: the repository root replaces bench/ on the path.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from pypdf import PdfReader, PdfWriter  # noqa: E402
from reportlab.graphics import renderPDF  # noqa: E402
from reportlab.graphics.barcode.qr import QrCodeWidget  # noqa: E402
from reportlab.graphics.shapes import Drawing  # noqa: E402
from reportlab.lib.colors import Color  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from bench import common  # noqa: E402
from bench.common import machine, percentile, quick, record  # noqa: E402
from station.trust import store as trust  # noqa: E402
from station.trust.seal import SealClaims, data_digest, encode_seal  # noqa: E402
from station.templates import Template, load_template, render_document  # noqa: E402
from station.templates.blank import BlankPainter  # noqa: E402
from station.templates.render import typeset  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
STATION = "MPP-DEMO-01"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TEMPLATE_IDS = ("akta-kelahiran", "kartu-keluarga", "nib")


def fast(template: Template, data: dict[str, str], key: trust.Ed25519PrivateKey) -> Callable[[int], bytes]:
    """The station's renderer."""
    def one(number: int) -> bytes:
        return render_document(template, data, document_id=f"DOC-2026-{number:06d}", station_id=STATION,
                               station_key=key, now=NOW).pdf
    return one


def naive(template: Template, data: dict[str, str], key: trust.Ed25519PrivateKey) -> Callable[[int], bytes]:
    """Per document: a fresh reportlab canvas for everything, reportlab's QR widget, a pypdf merge."""
    manifest = template.manifest
    painter = BlankPainter(manifest, template.bundle.files, template.fonts)  # fonts registered once
    background = PdfReader(io.BytesIO(template.bundle.files[manifest.background])) if manifest.background else None
    width, height = (v * mm for v in manifest.page_size_mm())
    values = template.rules.check(data)

    def one(number: int) -> bytes:
        document_id = f"DOC-2026-{number:06d}"
        claims = SealClaims(station=STATION, issued_at=int(NOW.timestamp()), document=document_id,
                            template=template.ref, fields={f: values[f] for f in manifest.seal.fields},
                            data_sha256=data_digest(data))
        seal = encode_seal(claims, key)
        overlay = io.BytesIO()
        canvas = Canvas(overlay, pagesize=(width, height))
        for page, plan in zip(manifest.pages, template.pages, strict=True):
            painter.draw_page(canvas, page)
            for run in typeset(template, plan, values):
                canvas.setFont(painter.rl_names[run.font], run.size)
                canvas.setFillColor(Color(*run.color))
                for line in run.lines:
                    canvas.drawString(line.x, line.y, line.text)
            left, bottom, side = plan.seal
            drawing = Drawing(side, side)
            drawing.add(QrCodeWidget(seal, barLevel="M", barWidth=side, barHeight=side))
            renderPDF.draw(drawing, canvas, left, bottom)
            canvas.showPage()
        canvas.save()
        drawn = PdfReader(io.BytesIO(overlay.getvalue()))
        writer = PdfWriter()
        for index in range(len(manifest.pages)):
            if background is not None:
                page = writer.add_page(background.pages[min(index, len(background.pages) - 1)])
                page.merge_page(drawn.pages[index])
            else:
                writer.add_page(drawn.pages[index])
        writer.add_metadata({"/Title": manifest.title, "/DocumentId": document_id, "/TemplateId": manifest.id,
                             "/TemplateVersion": str(manifest.version),
                             "/CreationDate": NOW.strftime("D:%Y%m%d%H%M%SZ")})
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()
    return one


def measure(render: Callable[[int], bytes], count: int, warmup: int) -> tuple[list[float], float, int]:
    """Per-document seconds, wall seconds for all of them, and the size of the last PDF."""
    for number in range(warmup):
        render(number)
    samples = []
    size = 0
    start = time.perf_counter()
    for number in range(count):
        begin = time.perf_counter()
        size = len(render(number))
        samples.append(time.perf_counter() - begin)
    return samples, time.perf_counter() - start, size


def line(name: str, samples: list[float], wall: float, size: int) -> str:
    """One result line."""
    return (f"  {name:<6} n={len(samples):<4} median={statistics.median(samples) * 1e3:7.2f} ms"
            f"  p99={percentile(samples, 0.99) * 1e3:7.2f} ms  {len(samples) / wall:7.1f} docs/s"
            f"  ({size / 1024:.0f} KiB each)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=40 if quick() else 600, help="documents per template, station renderer")
    parser.add_argument("--naive-count", type=int, default=3 if quick() else 40, help="documents per template, naive pipeline")
    parser.add_argument("--cpu", type=int, default=None, help="CPU to pin to (default: the last one)")
    parser.add_argument("--templates", nargs="*", default=["akta-kelahiran"] if quick() else list(TEMPLATE_IDS))
    args = parser.parse_args()

    cpu = args.cpu if args.cpu is not None else max(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    print(f"machine: {machine()}; pinned to CPU {cpu}")
    store = trust.TrustStore.load(TEMPLATES / "trust.json")
    key = trust.new_private_key()
    results = {}
    for name in args.templates:
        data = json.loads((TEMPLATES / "examples" / f"{name}.json").read_text(encoding="utf-8"))
        start = time.perf_counter()
        template = load_template(TEMPLATES / name, store, now=NOW)
        loaded = time.perf_counter() - start
        print(f"{name}: template verified and compiled once in {loaded * 1e3:.0f} ms")
        fast_samples, fast_wall, fast_size = measure(fast(template, data, key), args.count, warmup=30)
        print(line("fast", fast_samples, fast_wall, fast_size))
        naive_samples, naive_wall, naive_size = measure(naive(template, data, key), args.naive_count, warmup=3)
        print(line("naive", naive_samples, naive_wall, naive_size))
        fast_rate, naive_rate = len(fast_samples) / fast_wall, len(naive_samples) / naive_wall
        ratio = fast_rate / naive_rate
        print(f"  fast / naive = {ratio:.1f}x (docs/s)")
        results[name] = (fast_rate, naive_rate, ratio)

    print("summary (documents per second on one core):")
    for name, (fast_rate, naive_rate, ratio) in results.items():
        print(f"  {name:<16} fast {fast_rate:7.1f}   naive {naive_rate:6.1f}   {ratio:5.1f}x")
    if "akta-kelahiran" in results:
        fast_rate, _, ratio = results["akta-kelahiran"]
        goal = fast_rate >= 200 and ratio >= 10
        print(f"goal (birth certificates >= 200/s and >= 10x naive): {'met' if goal else 'NOT met'}")
        _, naive_rate, _ = results["akta-kelahiran"]
        record("render: birth certificates on one core", p50=fast_rate, unit="documents/s", floor=naive_rate,
               floor_name="naive pipeline (documents/s)", goal=">= 200/s and >= 10x naive", met=goal)


if __name__ == "__main__":
    common.run(main)
