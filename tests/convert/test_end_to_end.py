"""Both MIMIC-IV layouts end to end: every lake table's columns, types and row counts vs the raw files."""

from __future__ import annotations

import csv
import gzip
import io
import json
import stat
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from mimic_mm.convert.detect import locate
from mimic_mm.convert.schema import all_lake_tables, lake_schema
from mimic_mm.releases import release_tables
from mimic_mm.releases.lake import ROW_ORDER_MODULES


def _raw_records(path: Path) -> int:
    """Data records of a raw CSV counted with Python's csv module (independent of the converter)."""
    data = path.read_bytes()
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return sum(1 for _ in csv.reader(io.StringIO(data.decode("utf-8-sig")))) - 1


def _types(path: Path) -> list[tuple[str, str]]:
    con = duckdb.connect()
    return [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()]


def test_every_lake_table_has_the_lake_schema(converted):
    _, lake, failures, _, _ = converted
    assert not failures
    for module, table in all_lake_tables():
        path = lake / module / f"{table}.parquet"
        assert path.is_file(), path
        assert _types(path) == lake_schema(module, table), f"{module}/{table}"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(lake.stat().st_mode) == 0o700


def test_row_counts_match_raw_files_and_manifest(converted):
    _, lake, _, found, _ = converted
    manifest = json.loads((lake / "_manifest.json").read_text())["tables"]
    checked = 0
    for fr in found.values():
        for rt in fr.tables().values():
            if "{" in rt.path or not rt.columns or rt.table.startswith("metadata_phase"):
                continue
            path = locate(fr.root, rt.path)
            assert path is not None
            key = f"{rt.module}/{rt.table}"
            parquet_rows = pq.read_metadata(lake / rt.module / f"{rt.table}.parquet").num_rows
            assert parquet_rows == _raw_records(path), key
            assert manifest[key]["raw_rows"] == manifest[key]["parquet_rows"] == parquet_rows
            assert manifest[key]["release"] == fr.release
            assert manifest[key]["sources"][0]["path"] == str(path)
            checked += 1
    assert checked >= 40
    # The three REFLACX phase files are one table.
    reflacx = found["reflacx"]
    phases = [locate(reflacx.root, f"main_data/metadata_phase_{i}.csv") for i in (1, 2, 3)]
    total = sum(_raw_records(p) for p in phases if p is not None)
    assert pq.read_metadata(lake / "reflacx" / "metadata.parquet").num_rows == total


def test_mimic_iv_layout_and_renames(converted):
    _, lake, _, found, _ = converted
    release = found["mimic-iv"].release
    con = duckdb.connect()
    manifest = json.loads((lake / "_manifest.json").read_text())["tables"]
    races = con.execute(f"SELECT count(race) FROM '{lake}/hosp/admissions.parquet'").fetchone()[0]
    assert races > 0  # 1.0 `ethnicity` lands under `race`
    if release == "mimic-iv-1.0":
        assert "omr" not in release_tables(release)
        assert pq.read_metadata(lake / "hosp" / "omr.parquet").num_rows == 0
        assert manifest["hosp/omr"]["status"] == "absent" and manifest["hosp/omr"]["release"] is None
        assert manifest["hosp/patients"]["sources"][0]["path"].endswith("core/patients.csv.gz")
        assert (
            con.execute(
                f"SELECT count(*) FROM '{lake}/hosp/d_labitems.parquet' WHERE loinc_code IS NOT NULL"
            ).fetchone()[0]
            > 0
        )
    else:
        assert release in ("mimic-iv-2.2", "mimic-iv-3.1")
        assert manifest["hosp/omr"]["status"] == "converted"
        assert (
            con.execute(f"SELECT count(loinc_code) FROM '{lake}/hosp/d_labitems.parquet'").fetchone()[0] == 0
        )


def test_codes_stay_text_and_study_time_is_padded(converted):
    _, lake, _, found, _ = converted
    con = duckdb.connect()
    codes = [
        r[0]
        for r in con.execute(
            f"SELECT icd_code FROM '{lake}/hosp/diagnoses_icd.parquet' WHERE icd_code IS NOT NULL"
        ).fetchall()
    ]
    raw_codes = [
        r["icd_code"]
        for r in csv.DictReader(
            io.StringIO(
                gzip.decompress(
                    locate(found["mimic-iv"].root, "hosp/diagnoses_icd.csv.gz").read_bytes()
                ).decode()
            )
        )
        if r["icd_code"]
    ]
    assert sorted(codes) == sorted(raw_codes)
    # StudyTime without leading zeros: compare with a parse of the raw text.
    meta = locate(found["mimic-cxr-jpg"].root, "mimic-cxr-2.0.0-metadata.csv.gz")
    rows = list(csv.DictReader(io.StringIO(gzip.decompress(meta.read_bytes()).decode())))
    expected = {}
    for r in rows:
        if r["StudyDate"] and r["StudyTime"]:
            whole, _, frac = r["StudyTime"].partition(".")
            whole = whole.zfill(6)
            micro = round(float("0." + (frac or "0")) * 1e6)
            expected[r["dicom_id"]] = (
                f"{r['StudyDate'][:4]}-{r['StudyDate'][4:6]}-{r['StudyDate'][6:]} "
                f"{whole[:2]}:{whole[2:4]}:{whole[4:]}.{micro:06d}"
            )
    got = dict(
        con.execute(
            "SELECT dicom_id, strftime(study_datetime, '%Y-%m-%d %H:%M:%S.%f')"
            f" FROM '{lake}/cxr_jpg/metadata.parquet'"
            " WHERE study_datetime IS NOT NULL"
        ).fetchall()
    )
    assert got == expected
    assert any(int(r["StudyTime"].split(".")[0]) < 100000 for r in rows)  # the unpadded case is exercised


def test_reflacx_and_eye_gaze_tables(converted):
    _, lake, _, found, _ = converted
    con = duckdb.connect()
    meta = con.execute(
        f"SELECT phase, count(*) FROM '{lake}/reflacx/metadata.parquet' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert [p for p, _ in meta] == [1, 2, 3]
    root = found["reflacx"].root
    # Row order within a case file is kept in row_index / ellipse_index.
    case, first = con.execute(
        "SELECT id, timestamp_start_fixation"
        f" FROM '{lake}/reflacx/fixations.parquet' WHERE row_index = 0 LIMIT 1"
    ).fetchone()
    with open(root / "main_data" / case / "fixations.csv") as f:
        assert float(next(csv.DictReader(f))["timestamp_start_fixation"]) == first
    n_files = len(list(root.glob("main_data/*/anomaly_location_ellipses.csv")))
    assert (
        con.execute(
            f"SELECT count(DISTINCT id) FROM '{lake}/reflacx/anomaly_location_ellipses.parquet'"
        ).fetchone()[0]
        <= n_files
    )
    assert con.execute(f"SELECT count(*) FROM '{lake}/reflacx/transcription.parquet'").fetchone()[0] == len(
        list(root.glob("main_data/*/transcription.txt"))
    )
    # EyeGaze: row_index is the line order; transcripts and the file inventory are complete.
    eg = found["egd-cxr"].root
    with open(eg / "eye_gaze.csv") as f:
        ids = [r["DICOM_ID"] for r in csv.DictReader(f)]
    got = [
        r[0]
        for r in con.execute(
            f"SELECT DICOM_ID FROM '{lake}/eye_gaze/eye_gaze.parquet' ORDER BY row_index"
        ).fetchall()
    ]
    assert got == ids
    files = [p for p in (eg / "audio_segmentation_transcripts").rglob("*") if p.is_file()]
    assert con.execute(f"SELECT count(*) FROM '{lake}/eye_gaze/transcript_files.parquet'").fetchone()[
        0
    ] == len(files)
    jpgs = list(found["mimic-cxr-jpg"].root.rglob("*.jpg"))
    inv = con.execute(f"SELECT abs_path, file_bytes FROM '{lake}/cxr_jpg/image_files.parquet'").fetchall()
    assert sorted(inv) == sorted((str(p.resolve()), p.stat().st_size) for p in jpgs)


def test_row_index_is_the_release_file_order(converted):
    """HAIM's statistics depend on the release file's row order: `row_index` numbers the records in that order
    (checked against Python's csv module on every single-file table, so the order cannot silently change)."""
    _, lake, _, found, _ = converted
    con = duckdb.connect()
    checked = 0
    for fr in found.values():
        for rt in fr.tables().values():
            if rt.module not in ROW_ORDER_MODULES or "{" in rt.path or not rt.columns:
                continue
            path = locate(fr.root, rt.path)
            assert path is not None
            data = path.read_bytes()
            if path.name.endswith(".gz"):
                data = gzip.decompress(data)
            records = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))[1:]
            first = lake_schema(rt.module, rt.table)[0][0]
            got = con.execute(
                f'SELECT row_index, CAST("{first}" AS VARCHAR) FROM '
                f"'{lake}/{rt.module}/{rt.table}.parquet' ORDER BY row_index"
            ).fetchall()
            assert [r[0] for r in got] == list(range(len(records))), rt.table
            # The first column's values in row_index order are the file's, line by line.
            raw_first = [r[0] or None for r in records]
            lake_first = [None if v is None else v for _, v in got]
            if rt.columns[0].type.upper().startswith(("INT", "BIGINT", "SMALLINT")):
                raw_first = [None if v is None else str(int(v)) for v in raw_first]
            if not rt.columns[0].type.upper().startswith(("TIMESTAMP", "DATE", "DOUBLE", "FLOAT", "REAL")):
                assert lake_first == raw_first, rt.table
            checked += 1
    assert checked >= 40
