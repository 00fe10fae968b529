"""Signed-PDF verification benchmark: a typical one-page agency-signed PDF against one page's print time.

The baseline is the printer: at its rated 30 pages per minute one page takes
2 s. The goal is that the station's check before printing (limits, hostile
content, the PAdES signature, the chain and the embedded revocation data,
offline) costs at most 5 % of that: 100 ms. Also timed: the same PDF with
OCSP data instead of CRLs, a refused one (untrusted root: the slowest
refusal, path building fails), and a hostile one refused on its raw bytes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

# Run as `python bench/pdfverify.py`: the repository root replaces bench/ on the path.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from bench.common import machine, quick, record_samples, run, summary  # noqa: E402
from simulators.backoffice.pki import Hierarchy  # noqa: E402
from simulators.backoffice.signing import one_page_pdf, sign  # noqa: E402
from station.signedpdf import verify_pdf  # noqa: E402
from station.signedpdf.cabundle import parse  # noqa: E402

PAGES_PER_MINUTE = 30.0
GOAL_SHARE = 0.05
LINES = ["Nomor Akta: 3174-LT-01022026-0001", "Nama: Contoh Warga", "Tempat Lahir: Jakarta",
         "Tanggal Lahir: 1 Februari 2026", "Nama Ayah: Contoh Ayah", "Nama Ibu: Contoh Ibu"]


def timed(data: bytes, bundle, count: int, expect: str | None) -> list[float]:  # noqa: ANN001
    """Seconds taken by each of `count` verifications (checking each gives the expected decision)."""
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        verdict = verify_pdf(data, bundle)
        samples.append(time.perf_counter() - start)
        assert verdict.reason == expect, verdict
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=20 if quick() else 200, help="verifications to time per case")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    ca = Hierarchy("Bench")
    signer = ca.signer("Kepala Dinas Bench")
    bundle = parse(ca.root.pem, "bench")
    page = one_page_pdf(LINES, title="Kutipan Akta Kelahiran")
    crl = sign(page, signer, ca, revocation="crl")
    ocsp = sign(page, signer, ca, revocation="ocsp")
    stranger = Hierarchy("Asing")
    untrusted = sign(page, stranger.signer("Orang Asing"), stranger)
    hostile = crl.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript >>", 1)
    print(f"document: one A4 page, PAdES, ECDSA P-256, {len(crl)} bytes with CRLs, {len(ocsp)} with OCSP")

    page_s = 60.0 / PAGES_PER_MINUTE
    good = timed(crl, bundle, args.count, None)
    print(summary("verify, accepted (CRLs in the DSS)", good, page_s, "one page at 30 ppm"))
    print(summary("verify, accepted (OCSP in the DSS)", timed(ocsp, bundle, args.count, None), page_s,
                  "one page at 30 ppm"))
    stamped = sign(page, signer, ca, revocation="crl", tsa=ca.tsa())  # what the back-office simulator sends
    print(summary("verify, accepted (CRLs, signature timestamp)", timed(stamped, bundle, args.count, None), page_s,
                  "one page at 30 ppm"))
    print(summary("verify, refused: untrusted root", timed(untrusted, bundle, args.count, "pdf_untrusted_signer")))
    print(summary("verify, refused: JavaScript (raw pass)", timed(hostile, bundle, args.count, "pdf_hostile")))
    share = statistics.median(good) / page_s
    record_samples("signed PDF verification (accepted, CRLs)", good, floor_s=page_s,
                   floor_name="one page at 30 ppm", goal="median <= 5 % of a page's print time",
                   met=share <= GOAL_SHARE)
    print(f"goal: median at most {GOAL_SHARE:.0%} of one page's print time ({GOAL_SHARE * page_s * 1e3:.0f} ms):"
          f" {share:.2%} -> {'met' if share <= GOAL_SHARE else 'NOT met'}")


if __name__ == "__main__":
    run(main)
