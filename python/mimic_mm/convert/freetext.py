"""Which raw columns may hold line breaks: the free-text columns listed in `releases/free_text_columns.tsv`.

A line break inside quotes anywhere else is taken as evidence of a stray quote (see `rawfile.RecordCounter`).
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources
from pathlib import Path

from mimic_mm.convert.rawfile import Shape
from mimic_mm.releases import ReleaseTable


@cache
def _free_text() -> frozenset[tuple[str, str]]:
    text = resources.files("mimic_mm.releases").joinpath("free_text_columns.tsv").read_text(encoding="utf-8")
    return frozenset(
        (r["table"].lower(), r["column"].lower()) for r in csv.DictReader(text.splitlines(), delimiter="\t")
    )


def is_free_text(table: str, column: str) -> bool:
    """Whether column `column` of release table `table` may hold line breaks."""
    return (table.lower(), column.lower()) in _free_text()


def shape(path: Path, rt: ReleaseTable) -> Shape:
    """The checks for raw file `path` of release table `rt`: its free-text fields may span lines."""
    return Shape(path, frozenset(i for i, c in enumerate(rt.columns) if is_free_text(rt.table, c.name)))
