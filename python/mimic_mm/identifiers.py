"""Identifiers that become file or folder names, checked against the published form of their kind, and paths
checked to stay inside their root (damaged or crafted metadata must never write or read elsewhere).

The one home of these checks: convert uses them to read a release, the exports to write their layouts."""

from __future__ import annotations

import re
from pathlib import Path

_HEX8 = "[0-9a-f]{8}"
CXR_DICOM = re.compile(rf"{_HEX8}(?:-{_HEX8}){{4}}")
REFLACX_CASE = re.compile(r"P\d{3}R\d{6}")
# A file of an EyeGaze transcript folder: a plain name, never `.`/`..` nor a hidden or nested one.
FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}")
_CALIBRATION = "_calibration"
_DICOM_TEMPLATE = "-".join(["h" * 8] * 5)


class UnsafePathError(ValueError):
    """A path built from release metadata would leave its root."""


def positive_int(value: object) -> bool:
    """subject_id, hadm_id, stay_id, study_id: positive integers (bool is not one)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value > 0
    return isinstance(value, str) and value.isascii() and value.isdigit() and int(value) > 0


def cxr_dicom(value: object) -> bool:
    """A MIMIC-CXR dicom_id: five groups of eight lower-case hex digits joined by `-`."""
    return isinstance(value, str) and CXR_DICOM.fullmatch(value) is not None


def eye_gaze_dicom(value: object) -> bool:
    """An EyeGaze DICOM_ID: a MIMIC-CXR dicom_id or a non-empty prefix of one (the release truncated some),
    optionally followed by `_calibration`."""
    if not isinstance(value, str):
        return False
    core = value.removesuffix(_CALIBRATION)
    if not core or len(core) > len(_DICOM_TEMPLATE):
        return False
    for char, kind in zip(core, _DICOM_TEMPLATE, strict=False):
        if kind == "-" and char != "-":
            return False
        if kind == "h" and char not in "0123456789abcdef":
            return False
    return True


def reflacx_case(value: object) -> bool:
    """A REFLACX case id: `P` + three digits + `R` + six digits."""
    return isinstance(value, str) and REFLACX_CASE.fullmatch(value) is not None


def file_name(value: object) -> bool:
    return isinstance(value, str) and FILE_NAME.fullmatch(value) is not None and value not in (".", "..")


def inside(root: Path, path: Path) -> bool:
    """True when `path`, with every symlink resolved, is `root` or lies inside it (resolved too); a symlink
    loop is never inside."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def safe_join(root: Path, rel: str) -> Path:
    """`root/rel`, refused when it is absolute, has `..` parts or resolves (through symlinks) outside root."""
    parts = Path(rel).parts
    if not rel or Path(rel).is_absolute() or any(p in ("..", ".") for p in parts):
        raise UnsafePathError(f"path {rel!r} is not a plain relative path")
    path = root / rel
    if not inside(root, path):
        raise UnsafePathError(f"path {rel!r} resolves outside {root}")
    return path


def release_source(abs_path: str, rel_path: str | None, release_root: str | None) -> Path:
    """The lake file a row names, refused unless it is `release_root/rel_path` and resolves inside the release
    root (a symlink in the release pointing elsewhere is refused too)."""
    if not release_root or not rel_path or not abs_path.endswith(rel_path):
        raise UnsafePathError(f"source {abs_path!r} is not inside the release root")
    if abs_path[: len(abs_path) - len(rel_path)] != release_root:
        raise UnsafePathError(f"source {abs_path!r} is not inside the release root {release_root}")
    return safe_join(Path(release_root), rel_path)
