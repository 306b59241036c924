"""Idempotent re-runs (skip / --force / --only), missing modules, release recognition by content."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import rawfixture

from mimic_mm.convert.__main__ import main
from mimic_mm.convert.detect import detect
from mimic_mm.convert.errors import ConvertError
from mimic_mm.convert.rawfile import RecordCounter, line_of_record
from mimic_mm.convert.runner import Options, convert

ED = "physionet.org/files/mimic-iv-ed/2.2/ed"


def _statuses(raw: Path, lake: Path, **kw) -> dict[str, str]:
    results, _ = convert(Options([raw], lake, **kw))
    return {r.task.key: r.status for r in results}


def test_rerun_skips_unchanged_tables_and_force_rebuilds(small_release):
    raw, lake = small_release
    first = _statuses(raw, lake)
    assert first["ed/edstays"] == "converted" and first["hosp/admissions"] == "absent"
    assert set(_statuses(raw, lake).values()) == {"skipped"}
    path = raw / ED / "triage.csv.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()) + b"30000099,10000099,,,,,,,,,\n"))
    again = _statuses(raw, lake)
    assert again["ed/triage"] == "converted"
    assert {s for k, s in again.items() if k != "ed/triage"} == {"skipped"}
    assert pq.read_metadata(lake / "ed" / "triage.parquet").num_rows == rawfixture.ROWS + 1
    assert set(_statuses(raw, lake, force=True).values()) == {"converted", "absent"}


def test_only_converts_the_named_tables(small_release):
    raw, lake = small_release
    statuses = _statuses(raw, lake, only=["ed/triage", "eye_gaze/fixations"])
    assert statuses == {"ed/triage": "converted", "eye_gaze/fixations": "converted"}
    assert not (lake / "ed" / "edstays.parquet").exists()
    with pytest.raises(ConvertError, match="unknown tables"):
        _statuses(raw, lake, only=["ed/nope"])


def test_missing_modules_are_written_empty_with_a_message(small_release, caplog):
    raw, lake = small_release
    assert main([str(raw), "--lake", str(lake)]) == 0
    err = caplog.text
    assert "module reflacx: no release found" in err and "module hosp: no release found" in err
    manifest = json.loads((lake / "_manifest.json").read_text())["tables"]
    for key in ("reflacx/metadata", "reflacx/gaze", "hosp/admissions", "cxr_jpg/image_files"):
        assert manifest[key]["release"] is None and manifest[key]["status"] == "absent"
        assert pq.read_metadata(lake / f"{key}.parquet").num_rows == 0
    assert pq.read_schema(lake / "reflacx" / "metadata.parquet").names[:2] == ["id", "phase"]


def test_recognised_by_content_in_renamed_nested_plain_csv_folders(tmp_path):
    src = rawfixture.write_release(tmp_path / "src", "mimic-iv-ed-1.0")
    # An unpacked zip nested twice, renamed, files decompressed to plain .csv.
    root = tmp_path / "downloads" / "mimic-iv-ed-demo" / "mimic-iv-ed-demo"
    for gz in src.rglob("*.csv.gz"):
        dest = root / gz.relative_to(src).with_suffix("")
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(gzip.decompress(gz.read_bytes()))
    found = detect([tmp_path / "downloads"])
    assert found["mimic-iv-ed"].release == "mimic-iv-ed-1.0"  # by the edstays header
    assert found["mimic-iv-ed"].root == root.resolve()
    assert not found["mimic-iv-ed"].problems
    results, _ = convert(Options([tmp_path / "downloads"], tmp_path / "lake"))
    assert {r.status for r in results if r.task.module == "ed"} == {"converted"}
    # ED 1.0 lacks the 2.x edstays columns: they are NULL.
    import duckdb

    assert (
        duckdb.connect()
        .execute(f"SELECT count(race) FROM '{tmp_path}/lake/ed/edstays.parquet'")
        .fetchone()[0]
        == 0
    )


def test_mimic_iv_version_is_picked_by_headers(tmp_path):
    root = rawfixture.write_release(tmp_path, "mimic-iv-2.0", version="renamed")
    found = detect([tmp_path])
    assert found["mimic-iv"].release == "mimic-iv-2.0"
    shutil.rmtree(root / "icu")
    found = detect([tmp_path])
    assert "missing required file icu/icustays.csv.gz" in found["mimic-iv"].problems["icustays"]


def test_two_roots_of_one_release_is_an_error(tmp_path):
    rawfixture.write_release(tmp_path / "a", "mimic-iv-ed-2.2")
    rawfixture.write_release(tmp_path / "b", "mimic-iv-ed-2.2")
    with pytest.raises(ConvertError, match="several mimic-iv-ed releases found"):
        detect([tmp_path])


def test_record_counter_handles_quotes_across_chunks(tmp_path):
    data = b'a,b\n1,"x\n""y""\n,z"\n2,plain\n3,"last'
    for split in range(len(data) + 1):
        counter = RecordCounter()
        counter.feed(data[:split])
        counter.feed(data[split:])
        assert counter.records == 4, split
    path = tmp_path / "t.csv"
    path.write_bytes(data + b'"\n')
    assert [line_of_record(path, r) for r in (1, 2, 3)] == [2, 5, 6]
