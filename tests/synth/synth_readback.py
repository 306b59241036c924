"""Read the generated files back with plain csv/gzip, as a user's tool would."""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterator
from pathlib import Path

from mimic_mm.releases import release_tables
from mimic_mm.synth.generate import release_root


def open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def read_rows(path: Path) -> Iterator[dict[str, str]]:
    with open_text(path) as f:
        yield from csv.DictReader(f)


def read_header(path: Path) -> list[str]:
    with open_text(path) as f:
        return next(csv.reader(f))


def table_path(out: Path, release: str, table: str, version: str = "2.2") -> Path:
    return release_root(out, release, version) / release_tables(release)[table].path
