"""Issue 14, case 1 and its siblings: a stray quote must not swallow rows silently.

DuckDB and the converter's own record count pair quotes the same way, so both swallow the lines after an
unclosed quote and agree. The check that catches it uses other evidence: where quotes stand, and which
columns may hold line breaks.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow.parquet as pq
from faults_convert_support import HOSP, leftovers, rewrite_gz, run_convert, small_raw


def _line_of(text: str, needle: str) -> int:
    return next(i for i, ln in enumerate(text.split("\n"), 1) if needle in ln)


def _assert_refused(raw: Path, lake: Path, table: str, path: Path, line: int) -> str:
    done = run_convert(raw, "--lake", lake, "--only", table)
    assert done.returncode == 1, done.stderr
    assert f"{path}: line {line}: " in done.stderr
    assert "Traceback" not in done.stderr
    module, name = table.split("/")
    assert not (lake / module / f"{name}.parquet").exists()
    assert table not in json.loads((lake / "_manifest.json").read_text())["tables"]
    assert leftovers(lake) == []
    return done.stderr


def test_unclosed_quote_in_a_column_without_free_text(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-2.2")
    path = raw / HOSP / "admissions.csv.gz"
    # Open a quote at the start of row 2's admission_type and never close it: the next quote in the file
    # (row 3's quoted value) closes it, and every line in between becomes one value.
    rewrite_gz(path, lambda t: t.replace("\n10000033,", '\n10000033,"', 1))
    line = _line_of(gzip.decompress(path.read_bytes()).decode(), '10000033,"')
    err = _assert_refused(raw, tmp_path / "lake", "hosp/admissions", path, line)
    assert "spans lines in a column that holds no free text" in err or "quote out of place" in err


def test_stray_quote_in_a_free_text_column_is_caught_by_where_quotes_stand(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-2.2")
    path = raw / HOSP / "labevents.csv.gz"
    # labevents.comments may span lines: the unclosed quote there is caught where it closes, before text.
    rewrite_gz(path, lambda t: t.replace(",text 0\n", ',"text 0\n', 1))
    line = _line_of(gzip.decompress(path.read_bytes()).decode(), '"text 0')
    err = _assert_refused(raw, tmp_path / "lake", "hosp/labevents", path, line)
    assert "quote out of place" in err


def test_quote_in_the_middle_of_a_value(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-2.2")
    path = raw / HOSP / "admissions.csv.gz"
    rewrite_gz(path, lambda t: t.replace(",plain,", ',pla"in,', 1))
    line = _line_of(gzip.decompress(path.read_bytes()).decode(), 'pla"in')
    err = _assert_refused(raw, tmp_path / "lake", "hosp/admissions", path, line)
    assert "quote out of place" in err


def test_multiline_note_text_still_converts(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-note-2.2")
    lake = tmp_path / "lake"
    done = run_convert(raw, "--lake", lake, "--only", "note/discharge", "note/radiology")
    assert done.returncode == 0, done.stderr
    texts = pq.read_table(lake / "note" / "discharge.parquet").column("text").to_pylist()
    assert "multi\nline\ntext" in texts
    assert len(texts) == 5
