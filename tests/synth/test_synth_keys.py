"""The synthetic release keeps every published primary key of MIMIC-IV (keys.tsv, from mimic-code's
constraint.sql), in both layouts, read back from the written files: the staging key tests fail the build on a
repeat, so a generator that repeats a key would break `dbt build` on its own demo."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from synth_readback import read_rows, table_path

from mimic_mm.releases import primary_key, published_keys, release_tables

KEYED_TABLES = sorted({k["table"] for k in published_keys() if k["kind"] == "primary_key"})


def _repeats(path: Path, columns: tuple[str, ...]) -> list[tuple[tuple[str, ...], int]]:
    counts = Counter(tuple(row[c] for c in columns) for row in read_rows(path))
    return [(key, n) for key, n in counts.items() if n > 1][:5]


def _check(out: Path, release: str, version: str) -> None:
    tables = release_tables(release)
    checked = 0
    for table in KEYED_TABLES:
        if table not in tables:
            continue  # a table the 1.0 layout does not have
        path = table_path(out, release, table, version)
        columns = tuple(c for c in primary_key(table) if any(col.name == c for col in tables[table].columns))
        assert columns == primary_key(table), f"{release}/{table}: key columns missing from the header"
        repeats = _repeats(path, columns)
        assert not repeats, f"{release}/{table}: repeated {columns}: {repeats}"
        checked += 1
    assert checked >= 20, checked


@pytest.mark.xdist_group("synth22")
def test_primary_keys_hold_in_the_2_2_layout(gen22: Path) -> None:
    _check(gen22, "mimic-iv-2.2", "2.2")


def test_primary_keys_hold_in_the_1_0_layout(gen10: Path) -> None:
    _check(gen10, "mimic-iv-1.0", "1.0")
