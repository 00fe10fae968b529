"""Reading a seal back from a rendered PDF, as a phone would from paper: rasterise, then scan."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import zxingcpp
from PIL import Image

from ..errors import StationError
from station.trust.seal import SEAL_PREFIX

RASTER_DPI = 150
PDFTOPPM_TIMEOUT = 60


def page_image(pdf: str | Path, page: int = 1, dpi: int = RASTER_DPI) -> Image.Image:
    """One page of a PDF as an image, through poppler's `pdftoppm -r DPI -png`."""
    tool = shutil.which("pdftoppm")
    if tool is None:
        raise StationError("pdftoppm is not installed (Debian package poppler-utils)")
    with tempfile.TemporaryDirectory(prefix="mpp-seal-") as tmp:
        out = Path(tmp) / "page"
        try:
            done = subprocess.run([tool, "-r", str(dpi), "-png", "-f", str(page), "-l", str(page),
                                   "-singlefile", str(pdf), str(out)],
                                  capture_output=True, timeout=PDFTOPPM_TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            raise StationError(f"pdftoppm took longer than {PDFTOPPM_TIMEOUT} s on {pdf}", exit_code=1) from None
        png = out.with_suffix(".png")
        if done.returncode != 0 or not png.exists():
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise StationError(f"cannot rasterise {pdf}: {message[-1] if message else 'pdftoppm failed'}",
                               exit_code=1)
        with Image.open(png) as image:
            image.load()
            return image.copy()


def seal_texts(image: Image.Image) -> list[str]:
    """Every seal text (`MPS1:...`) zxing-cpp finds on an image."""
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    return [code.text for code in found if code.valid and code.text.startswith(SEAL_PREFIX)]


def read_seal(pdf: str | Path, page: int = 1) -> str:
    """The seal text printed on a page of a PDF; StationError when none can be read."""
    texts = seal_texts(page_image(pdf, page))
    if not texts:
        raise StationError(f"no seal QR could be read on page {page} of {pdf}", exit_code=1)
    return texts[0]
