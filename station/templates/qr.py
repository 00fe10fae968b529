"""The seal QR as a PDF image: zxing-cpp makes the matrix, one bit per module."""

from __future__ import annotations

import zxingcpp

QUIET_ZONE = 4  # modules of white around the symbol, as the QR standard asks


def qr_modules(text: str, ec_level: str = "M") -> tuple[int, bytes]:
    """(side, rows): the symbol with its quiet zone, one module per bit, rows packed MSB first.

    A set bit is white, as a PDF DeviceGray image with one bit per component reads it.
    """
    barcode = zxingcpp.create_barcode(text, zxingcpp.BarcodeFormat.QRCode, ec_level=ec_level)
    image = barcode.to_image(scale=1, add_quiet_zones=False)
    height, width = image.shape[0], image.shape[1]
    pixels = bytes(memoryview(image))
    side = width + 2 * QUIET_ZONE
    row_bytes = (side + 7) // 8
    white_row = bytes([0xFF]) * row_bytes
    rows = [white_row] * QUIET_ZONE
    pad = "1" * QUIET_ZONE
    tail = "1" * (row_bytes * 8 - side)
    for y in range(height):
        line = pixels[y * width:(y + 1) * width]
        # zxing gives 0 for a dark module and 255 for a light one.
        bits = pad + line.translate(_TO_BITS).decode("ascii") + pad + tail
        rows.append(int(bits, 2).to_bytes(row_bytes, "big"))
    rows.extend([white_row] * QUIET_ZONE)
    return side, b"".join(rows)


_TO_BITS = bytes.maketrans(bytes([0, 255]), b"01")
