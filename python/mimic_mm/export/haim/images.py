"""Decode a CXR JPG once into the 224×224 grayscale uint8 array HAIM models take."""

from __future__ import annotations

import numpy as np
from PIL import Image, UnidentifiedImageError

from mimic_mm.haim_patient import IMAGE_SHAPE


def load_image(path: str | None) -> tuple[np.ndarray | None, str | None]:
    """(array, None) or (None, problem). JPEG DCT scaling (`draft`) decodes straight at the smallest scale
    that is still ≥ 224 px, then a bilinear resize gives 224×224: most of the full-size decode is skipped."""
    if path is None:
        return None, "no JPG file on disk for this dicom_id"
    try:
        with Image.open(path) as im:
            im.draft("L", IMAGE_SHAPE)
            gray = im.convert("L").resize(IMAGE_SHAPE, Image.Resampling.BILINEAR)
            return np.asarray(gray, dtype=np.uint8).copy(), None
    except FileNotFoundError:
        return None, "JPG file missing on disk"
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        return None, f"JPG unreadable ({type(exc).__name__})"
