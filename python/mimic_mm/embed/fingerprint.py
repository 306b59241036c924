"""sha256 fingerprints of model weights: one file, or every file of a Hugging Face model folder."""

from __future__ import annotations

import hashlib
from pathlib import Path

_BLOCK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def folder_sha256(folder: Path) -> str:
    """One hash over every file under `folder` (relative path and content hash, in path order), so renaming,
    adding or changing any file (weights, vocabulary, config) changes it. Hidden files (.cache, .git) are
    left out: they are not the model."""
    digest = hashlib.sha256()
    files = sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    for p in files:
        digest.update(p.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(file_sha256(p).encode() + b"\n")
    return digest.hexdigest()
