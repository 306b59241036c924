"""The one decode of a MIMIC-CXR-JPG file into HAIM's 224×224 grayscale array, shared by the pickles' `imcxr`
and the image embeddings (so both see the same pixels).

HAIM reads `cv2.resize(cv2.imread(path, cv2.IMREAD_GRAYSCALE), (224, 224))`: a full decode by OpenCV's JPEG
codec and OpenCV's default INTER_LINEAR resize, which does not antialias. The default mode calls exactly that.
`fast=True` is PIL's DCT-scaled `draft` decode plus a bilinear resize: several times faster on real-size
images, but NOT HAIM's pixels (about 12 grey levels off on average on a 2,500 × 3,000 X-ray).
"""

from __future__ import annotations

import os

import numpy as np

IMAGE_SHAPE = (224, 224)


Decoded = tuple[np.ndarray | None, str | None]


def load_imcxr(path: str | os.PathLike[str] | None, fast: bool = False) -> Decoded:
    """(224×224 uint8 array, None) or (None, problem)."""
    if path is None:
        return None, "no JPG file on disk for this dicom_id"
    if not os.path.exists(path):
        return None, "JPG file missing on disk"
    return _pil_draft(path) if fast else _opencv(path)


def _opencv(path: str | os.PathLike[str]) -> Decoded:
    import cv2  # imported here: only the image steps need OpenCV

    gray = cv2.imread(os.fspath(path), cv2.IMREAD_GRAYSCALE)
    if gray is None:  # OpenCV reports an unreadable file by returning None
        return None, "JPG unreadable (OpenCV could not decode it)"
    return np.ascontiguousarray(cv2.resize(gray, IMAGE_SHAPE), dtype=np.uint8), None


def _pil_draft(path: str | os.PathLike[str]) -> Decoded:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.draft("L", IMAGE_SHAPE)  # decode at the smallest DCT scale still ≥ 224 px
            gray = im.convert("L").resize(IMAGE_SHAPE, Image.Resampling.BILINEAR)
            return np.asarray(gray, dtype=np.uint8).copy(), None
    except FileNotFoundError:
        return None, "JPG file missing on disk"
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        return None, f"JPG unreadable ({type(exc).__name__})"
