"""Small deterministic chest X-ray JPEGs whose pixels say which image they are.

The top 8 pixel rows hold 32 cells of 8x8 pixels, black or white, encoding the last group of the dicom_id
(32 bits, most significant first); JPEG keeps such blocks exactly enough to decode. Below, a smooth
"chest-like" pattern whose brightness also depends on the id, so images differ visibly.
"""

from __future__ import annotations

import functools
import io

import numpy as np
from PIL import Image

CELL = 8
BITS = 32


def image_code(dicom_id: str) -> int:
    return int(dicom_id[-8:], 16)


@functools.cache
def _chest(rows: int, columns: int) -> np.ndarray:
    """Dark lungs on a brighter body, once per image size."""
    y, x = np.mgrid[0:rows, 0:columns].astype(np.float32)
    cx, cy = columns / 2, rows / 2
    lungs = np.exp(
        -(((np.abs(x - cx) - columns * 0.22) / (columns * 0.14)) ** 2 + ((y - cy) / (rows * 0.3)) ** 2)
    )
    return (40 + 90 * (1 - lungs)).astype(np.uint8)


def pixels(dicom_id: str, rows: int, columns: int) -> np.ndarray:
    code = image_code(dicom_id)
    img = _chest(rows, columns) + np.uint8(code % 97)  # at most 129 + 96: no overflow
    bits = [(code >> (BITS - 1 - i)) & 1 for i in range(BITS)]
    for i, b in enumerate(bits):
        img[0:CELL, i * CELL : (i + 1) * CELL] = 255 if b else 0
    return img


def decode(img: np.ndarray) -> int:
    """The code in an image's top band (inverse of `pixels`)."""
    code = 0
    for i in range(BITS):
        cell = img[1 : CELL - 1, i * CELL + 1 : (i + 1) * CELL - 1]
        code = (code << 1) | int(cell.mean() > 127)
    return code


def jpeg_bytes(dicom_id: str, rows: int, columns: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels(dicom_id, rows, columns)).save(buf, format="JPEG", quality=85)
    return buf.getvalue()
