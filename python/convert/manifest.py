"""`<lake>/_manifest.json`: per table, the release, its sources (size, checksum) and both row counts."""

from __future__ import annotations

import json
import os
from pathlib import Path

from convert.lakefs import atomic_write_bytes

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


def save(lake: Path, doc: dict) -> None:
    doc["format"] = FORMAT_VERSION
    doc["tables"] = dict(sorted(doc["tables"].items()))
    atomic_write_bytes(lake / MANIFEST, (json.dumps(doc, indent=2) + os.linesep).encode())
