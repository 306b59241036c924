"""Issue 14.12 and 15: re-running the MIMIC-Eye export on unchanged inputs writes byte-identical files (with
one worker or two, resumed or forced), and its CSVs quote only where needed, as pandas' to_csv does."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import faults_eye_release as fx
import pandas as pd
import pytest

pytestmark = pytest.mark.xdist_group("faults_eye")


def test_reruns_are_byte_identical(eye_release: fx.Release, eye_reference: Path, tmp_path: Path) -> None:
    out = tmp_path / "mimic-eye"
    res = fx.export(eye_release.db, out, "--workers", "2")
    assert res.returncode == 0, res.stderr
    assert fx.tree(out) == fx.tree(eye_reference)
    res = fx.export(eye_release.db, out, "--workers", "2", "--force")
    assert res.returncode == 0, res.stderr
    assert "patients skipped (complete)" in res.stdout
    assert fx.tree(out) == fx.tree(eye_reference)
    assert fx.temps(out) == []


def _minimal(text: str) -> str:
    """The same rows written back with csv.QUOTE_MINIMAL (pandas' to_csv default)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL).writerows(csv.reader(io.StringIO(text)))
    return buf.getvalue()


def test_csv_quoting_is_minimal_like_the_published_files(eye_reference: Path) -> None:
    files = sorted(eye_reference.rglob("*.csv"))
    assert len(files) > 100
    quoted = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert text == _minimal(text), f"{path.relative_to(eye_reference)} quotes more than needed"
        quoted += text.count('"')
    assert quoted, "no field needed quotes: the release exercises nothing"
    # pandas writes the same bytes from what it reads back (index column included).
    sheet = eye_reference / "spreadsheets" / "cxr_meta.csv"
    df = pd.read_csv(sheet, dtype=str, keep_default_na=False, index_col=0)
    df.index.name = None
    assert df.to_csv(lineterminator="\n") == sheet.read_text()
