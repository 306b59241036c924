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
import pytest
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


def _refused_after(tmp_path: Path, table: str, old: str, new: str, marker: str) -> str:
    """Replace the first `old` by `new` in the MIMIC-IV 2.2 file of `table` (hosp/...): the converter must
    refuse the table at the line that now holds `marker`. Returns its stderr."""
    raw = small_raw(tmp_path, "mimic-iv-2.2")
    path = raw / HOSP / f"{table.split('/')[1]}.csv.gz"
    rewrite_gz(path, lambda t: t.replace(old, new, 1))
    line = _line_of(gzip.decompress(path.read_bytes()).decode(), marker)
    return _assert_refused(raw, tmp_path / "lake", table, path, line)


def test_unclosed_quote_in_a_column_without_free_text(tmp_path):
    # Open a quote at the start of row 2's admission_type and never close it: the next quote in the file
    # (row 3's quoted value) closes it, and every line in between becomes one value.
    err = _refused_after(tmp_path, "hosp/admissions", "\n10000033,", '\n10000033,"', '10000033,"')
    assert "spans lines in a column that holds no free text" in err or "quote out of place" in err


def test_stray_quote_in_a_free_text_column_is_caught_by_where_quotes_stand(tmp_path):
    # labevents.comments may span lines: the unclosed quote there is caught where it closes, before text.
    err = _refused_after(tmp_path, "hosp/labevents", ",text 0\n", ',"text 0\n', '"text 0')
    assert "quote out of place" in err


def test_quote_in_the_middle_of_a_value(tmp_path):
    err = _refused_after(tmp_path, "hosp/admissions", ",plain,", ',pla"in,', 'pla"in')
    assert "quote out of place" in err


def test_multiline_note_text_still_converts(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-note-2.2")
    lake = tmp_path / "lake"
    done = run_convert(raw, "--lake", lake, "--only", "note/discharge", "note/radiology")
    assert done.returncode == 0, done.stderr
    texts = pq.read_table(lake / "note" / "discharge.parquet").column("text").to_pylist()
    assert "multi\nline\ntext" in texts
    assert len(texts) == 5


# Siblings: other ways a file's lines and its records can disagree.


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("\n10000033,", "\n\n10000033,", 1),
        lambda t: t + "\n",
        lambda t: (t + "\n").replace("\n", "\r\n"),
    ],
    ids=["blank-line-inside", "blank-line-at-end", "blank-line-crlf"],
)
def test_blank_line_is_refused_with_its_line(tmp_path, edit):
    raw = small_raw(tmp_path, "mimic-iv-2.2")
    path = raw / HOSP / "admissions.csv.gz"
    rewrite_gz(path, edit)
    lines = gzip.decompress(path.read_bytes()).decode().split("\n")
    line = next(i for i, ln in enumerate(lines, 1) if ln in ("", "\r") and i < len(lines))
    err = _assert_refused(raw, tmp_path / "lake", "hosp/admissions", path, line)
    assert "blank line" in err


@pytest.mark.parametrize(
    "edit",
    [
        lambda t: t.replace("\n", "\r\n"),
        lambda t: "\ufeff" + t,
        lambda t: t.rstrip("\n"),
    ],
    ids=["crlf", "bom", "no-final-newline"],
)
def test_harmless_variants_convert_every_row(tmp_path, edit):
    raw = small_raw(tmp_path, "mimic-iv-2.2")
    path = raw / HOSP / "admissions.csv.gz"
    rewrite_gz(path, edit)
    lake = tmp_path / "lake"
    done = run_convert(raw, "--lake", lake, "--only", "hosp/admissions")
    assert done.returncode == 0, done.stderr
    table = pq.read_table(lake / "hosp" / "admissions.parquet")
    assert table.num_rows == 5
    assert table.column("subject_id").to_pylist()[0] == 10000032


def test_last_line_cut_short_is_refused(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-2.2")
    path = raw / HOSP / "admissions.csv.gz"
    rewrite_gz(path, lambda t: t.rstrip("\n")[:-10])
    done = run_convert(raw, "--lake", tmp_path / "lake", "--only", "hosp/admissions")
    assert done.returncode == 1
    assert f"{path}: line 6: Expected Number of Columns: 16 Found:" in done.stderr
    assert not (tmp_path / "lake" / "hosp" / "admissions.parquet").exists()
