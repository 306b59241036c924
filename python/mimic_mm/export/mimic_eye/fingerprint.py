"""What an export was built from: the warehouse's identity plus the settings, recorded in a completion
marker inside every folder (written last) and in a manifest beside them, so that a re-run can tell a
complete, current folder from a half-written or stale one."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mimic_mm.atomic_fs import atomic_file
from mimic_mm.private_fs import FILE_MODE

MARKER = ".mimic_eye_complete.json"  # inside each patient folder and spreadsheets/, written last
MANIFEST = ".mimic_eye_export.json"  # beside the folders: the settings of the whole export
FORMAT = 1


def warehouse_identity(db: Path) -> dict[str, Any]:
    """The warehouse the export reads, as recorded in markers. One function so that a content-based identity
    (the warehouse's recorded build fingerprint) can replace path, size and modification time."""
    st = os.stat(db)
    return {"path": str(Path(db).resolve()), "bytes": st.st_size, "mtime_ns": st.st_mtime_ns}


def fingerprint(doc: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _render(doc: Mapping[str, Any]) -> bytes:
    # Sorted keys and no time stamps: a re-run on unchanged inputs writes the same bytes.
    return (json.dumps(doc, sort_keys=True, indent=1) + "\n").encode()


def marker_doc(kind: str, settings: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "kind": kind,
        **extra,
        "settings": dict(settings),
        "fingerprint": fingerprint(settings),
    }


def write_marker(folder: Path, doc: Mapping[str, Any]) -> None:
    """The completion marker of a folder being built; call it after every other file of the folder."""
    fd = os.open(folder / MARKER, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(_render(doc))


def read_json(path: Path) -> dict[str, Any] | None:
    """A marker or manifest, or None when it is missing or unreadable (a damaged one counts as absent)."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def is_complete(folder: Path, expected: str) -> bool:
    """True when the folder's marker exists and carries the expected fingerprint."""
    doc = read_json(folder / MARKER)
    return doc is not None and doc.get("fingerprint") == expected


def write_manifest(out: Path, doc: Mapping[str, Any]) -> None:
    with atomic_file(out / MANIFEST, fsync=False) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(_render(doc))


def differences(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """`name: old -> new` for every setting that changed (values are settings, never row contents)."""
    out = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            out.append(f"{key}: {_short(old.get(key))} -> {_short(new.get(key))}")
    return out


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."
