"""Small deterministic chest X-ray JPEGs whose pixels say which image they are.

The top 8 pixel rows hold 32 cells of 8x8 pixels, black or white, encoding the last group of the dicom_id
(32 bits, most significant first); JPEG keeps such blocks exactly enough to decode. Below, a smooth
"chest-like" pattern whose brightness also depends on the id, so images differ visibly.

Real-size images (planted, see `plants.REAL_SIZE_IMAGES`) also get texture: rib-like stripes and pixel noise,
seeded by the id. Smooth images resize alike whatever the decoder; on textured ones a reduced-scale JPEG
decode (PIL's `draft`) gives clearly other pixels than OpenCV's full decode, as on real X-rays.
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


def _texture(code: int, rows: int, columns: int) -> np.ndarray:
    """Signed texture in about [-60, 60]: ribs (slanted stripes some 40-90 px apart) and Gaussian noise."""
    rng = np.random.default_rng(code)
    y, x = np.ogrid[0:rows, 0:columns]
    period = 40 + 50 * rng.random()
    ribs = 25 * np.sin(2 * np.pi * (y + 0.3 * np.abs(x - columns / 2)) / period)
    noise = rng.normal(0.0, 12.0, (rows, columns))
    return (ribs + noise).astype(np.float32)


def pixels(dicom_id: str, rows: int, columns: int, textured: bool = False) -> np.ndarray:
    code = image_code(dicom_id)
    img = _chest(rows, columns) + np.uint8(code % 97)  # at most 129 + 96: no overflow
    if textured:
        img = np.clip(img + _texture(code, rows, columns), 0, 255).astype(np.uint8)
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


def jpeg_bytes(dicom_id: str, rows: int, columns: int, textured: bool = False) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(pixels(dicom_id, rows, columns, textured)).save(buf, format="JPEG", quality=85)
    return buf.getvalue()
