"""Every kind of bad input: a clear error naming the file (and line/column), and no partial Parquet left."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
import rawfixture

from mimic_mm.convert.__main__ import main
from mimic_mm.convert.inflated_fs import InflatedStream
from mimic_mm.convert.rawfile import RawScan

ED = "physionet.org/files/mimic-iv-ed/2.2/ed"
NOTE = "physionet.org/files/mimic-iv-note/2.2/note"
EG = "physionet.org/files/egd-cxr/1.0.0"


def _run(raw: Path, lake: Path, capsys: pytest.CaptureFixture, *extra: str) -> tuple[int, str]:
    code = main([str(raw), "--lake", str(lake), *extra])
    return code, capsys.readouterr().err


def _no_output(lake: Path, module: str, table: str) -> None:
    folder = lake / module
    assert not (folder / f"{table}.parquet").exists()
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")], "temporary file left behind"


def _refused(raw: Path, lake: Path, capsys: pytest.CaptureFixture, table: str, *extra: str) -> str:
    """Run the converter, check it failed and left no `module/table` output; returns its stderr."""
    code, err = _run(raw, lake, capsys, *extra)
    assert code == 1
    _no_output(lake, *table.split("/"))
    return err


def test_missing_required_file(small_release, capsys):
    raw, lake = small_release
    (raw / ED / "pyxis.csv.gz").unlink()
    err = _refused(raw, lake, capsys, "ed/pyxis")
    assert "missing required file ed/pyxis.csv.gz of mimic-iv-ed-2.2" in err
    assert (lake / "ed" / "triage.parquet").is_file()  # the rest is converted


def test_header_mismatch_names_missing_and_unexpected_columns(small_release, capsys):
    raw, lake = small_release
    rawfixture.rewrite_gz(
        raw / ED / "triage.csv.gz", lambda t: t.replace("pain", "pain_score", 1).replace("acuity,", "", 1)
    )
    err = _refused(raw, lake, capsys, "ed/triage")
    assert "triage.csv.gz: header does not match mimic-iv-ed-2.2 triage" in err
    assert "missing columns ['pain', 'acuity']" in err and "unexpected columns ['pain_score']" in err


def test_truncated_gzip(small_release, capsys):
    raw, lake = small_release
    path = raw / ED / "vitalsign.csv.gz"
    data = gzip.compress(gzip.decompress(path.read_bytes()) * 2000)
    path.write_bytes(data[: len(data) // 2])
    err = _refused(raw, lake, capsys, "ed/vitalsign")
    assert f"{path}: truncated gzip file" in err


def test_corrupt_gzip(small_release, capsys):
    raw, lake = small_release
    path = raw / ED / "medrecon.csv.gz"
    data = bytearray(gzip.compress(gzip.decompress(path.read_bytes()) * 2000))
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    err = _refused(raw, lake, capsys, "ed/medrecon")
    assert f"{path}: corrupt gzip data" in err


def test_bad_cast_names_column_line_and_value(small_release, capsys):
    raw, lake = small_release
    rawfixture.rewrite_gz(raw / ED / "edstays.csv.gz", lambda t: t.replace("10000034", "1000x034", 1))
    err = _refused(raw, lake, capsys, "ed/edstays")
    assert (
        f"{raw / ED / 'edstays.csv.gz'}: line 4, column 'subject_id':"
        " cannot convert value '1000x034' to INTEGER" in err
    )


def test_bad_cast_after_multiline_text_reports_the_physical_line(small_release, capsys):
    raw, lake = small_release
    # The fixture's 3rd note spans lines 4-8 (quoted newlines); the 4th record starts on line 9... find it.
    path = raw / NOTE / "discharge.csv.gz"
    text = gzip.decompress(path.read_bytes()).decode()
    line = next(i for i, ln in enumerate(text.split("\n"), 1) if ln.startswith("plain,"))
    rawfixture.rewrite_gz(path, lambda t: t.replace("2180-05-04 03:17:00", "2180-13-04 03:17:00", 1))
    err = _refused(raw, lake, capsys, "note/discharge")
    assert (
        f"discharge.csv.gz: line {line} (record 4), column 'charttime':"
        " cannot convert value '2180-13-04 03:17:00' to TIMESTAMP" in err
    )


def test_bad_cast_in_plain_csv_with_row_index(small_release, capsys):
    raw, lake = small_release
    path = raw / EG / "fixations.csv"
    lines = path.read_text().split("\n")
    lines[2] = lines[2].replace(",1.5,", ",1.5x,", 1)
    path.write_text("\n".join(lines))
    err = _refused(raw, lake, capsys, "eye_gaze/fixations")
    assert f"{path}: line 3, column 'Time (in secs)': cannot convert value '1.5x' to DOUBLE" in err


@pytest.mark.parametrize("content", [b"", gzip.compress(b"")], ids=["zero-bytes", "empty-gzip"])
def test_empty_file(small_release, capsys, content):
    raw, lake = small_release
    path = raw / ED / "diagnosis.csv.gz"
    path.write_bytes(content)
    err = _refused(raw, lake, capsys, "ed/diagnosis")
    assert f"{path}: file is empty (no header line)" in err


def test_ragged_row_is_reported_without_row_content(small_release, capsys):
    raw, lake = small_release
    lines = gzip.decompress((raw / ED / "pyxis.csv.gz").read_bytes()).decode().split("\n")
    lines.insert(2, "19999999,1")  # a row with too few fields on line 3
    rawfixture.rewrite_gz(raw / ED / "pyxis.csv.gz", lambda _: "\n".join(lines))
    err = _refused(raw, lake, capsys, "ed/pyxis")
    assert "pyxis.csv.gz: line 3" in err and "Expected Number of Columns" in err
    assert "19999999" not in err


def test_failed_table_keeps_previous_output_and_manifest_entry(small_release, capsys):
    raw, lake = small_release
    assert _run(raw, lake, capsys)[0] == 0
    before = (lake / "ed" / "edstays.parquet").read_bytes()
    rawfixture.rewrite_gz(raw / ED / "edstays.csv.gz", lambda t: t.replace("10000034", "1000x034", 1))
    code, _ = _run(raw, lake, capsys)
    assert code == 1
    assert (lake / "ed" / "edstays.parquet").read_bytes() == before
    shutil.rmtree(raw / ED)  # a module that disappears is written empty, not kept
    assert _run(raw, lake, capsys)[0] == 0


def test_bad_study_date_is_located_by_the_diagnosis_pass(tmp_path, capsys):
    root = rawfixture.write_release(tmp_path / "raw", "mimic-cxr-jpg-2.0.0")
    path = root / "mimic-cxr-2.0.0-metadata.csv.gz"
    # Casts to INTEGER, but is no date: only the study_datetime parse fails.
    rawfixture.rewrite_gz(path, lambda t: t.replace("21800506", "2180056", 2))
    err = _refused(tmp_path / "raw", tmp_path / "lake", capsys, "cxr_jpg/metadata")
    assert (
        f"{path}: line 2, column 'StudyDate/StudyTime':"
        " cannot convert value '2180056 213014.531' to TIMESTAMP" in err
    )


def test_bad_value_in_a_reflacx_case_file(tmp_path, capsys):
    root = rawfixture.write_release(tmp_path / "raw", "reflacx-1.0.0")
    path = root / "main_data" / "P200R000001" / "fixations.csv"
    lines = path.read_text().split("\n")
    lines[3] = "oops" + lines[3][3:]
    path.write_text("\n".join(lines))
    err = _refused(tmp_path / "raw", tmp_path / "lake", capsys, "reflacx/fixations")
    assert f"{path}: line 4, column 'timestamp_start_fixation': cannot convert value 'oops" in err
    assert (tmp_path / "lake" / "reflacx" / "gaze.parquet").is_file()


def test_row_count_mismatch_is_an_error(small_release, capsys, monkeypatch):
    raw, lake = small_release

    # Simulate a reader that drops a record: the independent raw count no longer equals the Parquet rows.
    finish = InflatedStream.finish

    def one_more(stream):
        found = finish(stream)
        return RawScan(found.sha256, found.records + 1, found.data_bytes)

    monkeypatch.setattr(InflatedStream, "finish", one_more)
    err = _refused(raw, lake, capsys, "ed/triage", "--only", "ed/triage")
    assert f"ed/triage: row count mismatch: the raw files hold {rawfixture.ROWS + 1} records," in err
    assert f"the Parquet file {rawfixture.ROWS} rows" in err
