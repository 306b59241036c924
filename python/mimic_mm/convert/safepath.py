"""Identifiers that become path components, and paths that must stay inside the release root.

A case id such as `../../..` in damaged or crafted metadata would otherwise make the converter read files
outside the release. Each identifier is checked against the published form of its kind (SPEC), and every
path built from one is checked after resolving symlinks.
"""

from __future__ import annotations

import re
from pathlib import Path

REFLACX_ID = re.compile(r"P\d{3}R\d{6}")
_DICOM_TEMPLATE = "-".join(["h" * 8] * 5)  # five groups of eight lower-case hex digits


def valid_reflacx_id(value: str) -> bool:
    return REFLACX_ID.fullmatch(value) is not None


def valid_eye_gaze_dicom_id(value: str) -> bool:
    """An EyeGaze DICOM_ID: a MIMIC-CXR dicom_id, a prefix of one (truncated), either with `_calibration`."""
    base = value.removesuffix("_calibration")
    if not base or len(base) > len(_DICOM_TEMPLATE):
        return False
    return all(
        (c in "0123456789abcdef") if t == "h" else c == t for c, t in zip(base, _DICOM_TEMPLATE, strict=False)
    )


def inside(root: Path, path: Path) -> bool:
    """Whether `path`, symlinks resolved, is `root` or lies under it."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False
