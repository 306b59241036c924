"""Decode a CXR JPG once into the 224×224 grayscale uint8 array HAIM models take (see mimic_mm.cxr_image)."""

from __future__ import annotations

import numpy as np

from mimic_mm.cxr_image import load_imcxr


def load_image(path: str | None, fast: bool = False) -> tuple[np.ndarray | None, str | None]:
    """(array, None) or (None, problem): HAIM's OpenCV decode, or PIL's draft decode when `fast`."""
    return load_imcxr(path, fast=fast)
