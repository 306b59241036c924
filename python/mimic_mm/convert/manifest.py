"""`<lake>/_manifest.json`: per table, the release, its sources (size, checksum) and both row counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from mimic_mm.atomic_fs import atomic_file
from mimic_mm.convert.errors import ConvertError

MANIFEST = "_manifest.json"
FORMAT_VERSION = 1


def load(lake: Path) -> dict:
    path = lake / MANIFEST
    if not path.is_file():
        return {"format": FORMAT_VERSION, "tables": {}}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {"format": FORMAT_VERSION, "tables": {}}  # unreadable: rebuild everything
    if doc.get("format") != FORMAT_VERSION:
        return {"format": FORMAT_VERSION, "tables": {}}
    return doc


def save(lake: Path, doc: dict, before: str) -> None:
    """Write `doc` atomically. `before`: the tables and releases as loaded (`state`); `updated_at` changes
    only when they differ, so a run that rebuilt nothing writes the same bytes (the lake's fingerprint)."""
    doc["format"] = FORMAT_VERSION
    doc["tables"] = dict(sorted(doc["tables"].items()))
    if state(doc) != before or "updated_at" not in doc:
        doc["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    path = lake / MANIFEST
    try:
        with atomic_file(path, fsync=False) as tmp:
            tmp.write_bytes((json.dumps(doc, indent=2, sort_keys=True) + "\n").encode())
    except OSError as exc:
        raise ConvertError(f"{path}: cannot write the manifest ({exc.strerror or exc})") from None


def state(doc: dict) -> str:
    """The content the manifest describes (tables and releases), as comparable text."""
    return json.dumps([doc["tables"], doc.get("releases")], sort_keys=True)
