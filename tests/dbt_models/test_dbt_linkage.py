"""`dbt build` on synthetic releases, compared with the generator's ground truth case by case."""

from __future__ import annotations

import subprocess
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml
from dbt_harness import BIN, PROJECT, Warehouse

pytestmark = pytest.mark.xdist_group("dbt")


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.sql(sql).fetchall()


def linked_images(path: Path) -> dict[str, tuple]:
    rows = query(
        path,
        "select dicom_id, subject_id, study_id, image_time, ed_stay_id, ed_match, hadm_id, icu_stay_id"
        " from marts.cxr_images_linked",
    )
    return {r[0]: r[1:] for r in rows}


def _mismatches(wh: Warehouse, linked: dict[str, tuple], suffix: str) -> list[str]:
    problems = []
    for dicom_id, truth in wh.ground_truth["images"].items():
        if dicom_id not in linked:
            problems.append(f"{dicom_id}: missing from cxr_images_linked")
            continue
        subject_id, study_id, image_time, ed_stay, ed_match, hadm_id, icu_stay = linked[dicom_id]
        expected = {
            "subject_id": (subject_id, truth["subject_id"]),
            "study_id": (study_id, truth["study_id"]),
            "image_time": (image_time, datetime.fromisoformat(truth["image_time"])),
            "ed_stay_id": (ed_stay, truth[f"ed_stay_id{suffix}"]),
            "ed_match": (ed_match, truth[f"ed_match{suffix}"]),
            "hadm_id": (hadm_id, truth["hadm_id"]),
            "icu_stay_id": (icu_stay, truth["icu_stay_id"]),
        }
        problems += [
            f"{dicom_id} {truth['cases']}: {name} {got!r} != {want!r}"
            for name, (got, want) in expected.items()
            if got != want
        ]
    return problems


@pytest.mark.parametrize("layout", ["warehouse_22", "warehouse_10"])
def test_every_image_linked_as_ground_truth_at_0h(layout: str, request: pytest.FixtureRequest) -> None:
    wh: Warehouse = request.getfixturevalue(layout)
    linked = linked_images(wh.duckdb)
    assert len(linked) == len(wh.ground_truth["images"])
    assert _mismatches(wh, linked, "") == []


def test_every_image_linked_as_ground_truth_at_168h(warehouse_22: Warehouse, warehouse_168h: Path) -> None:
    linked = linked_images(warehouse_168h)
    assert _mismatches(warehouse_22, linked, "_168h") == []
    kinds = {row[4] for row in linked.values()}
    assert "window" in kinds  # the planted outside-ED cases exercise the window rule


def test_planted_boundary_cases_present(warehouse_22: Warehouse) -> None:
    """The comparison above is only meaningful if the hard cases were planted and linked as the rule says."""
    cases = warehouse_22.ground_truth["cases"]
    linked = linked_images(warehouse_22.duckdb)
    for case in ("image_at_ed_intime", "image_at_ed_outtime"):
        for dicom_id in cases[case]:
            assert linked[dicom_id][3:5] == (None, "none"), case
    for dicom_id in cases["overlapping_ed_stays"]:
        assert linked[dicom_id][3:5] == (None, "ambiguous")
    for dicom_id in cases["studytime_unpadded"]:
        assert linked[dicom_id][2].hour < 10


def test_dicom_repairs_match_ground_truth(warehouse_22: Warehouse) -> None:
    rows = query(
        warehouse_22.duckdb,
        "select file, session_id, media_id, original_id, repaired_id, action, rows_affected"
        " from marts.eye_gaze_dicom_repairs",
    )
    got = {(r[0], r[1], r[2], r[3]): (r[4], r[5], r[6]) for r in rows}
    want = {
        (t["file"], t["session_id"], t["media_id"], t["original_id"]): (
            t["repaired_id"],
            t["action"],
            t["rows"],
        )
        for t in warehouse_22.ground_truth["dicom_repairs"]
    }
    assert got == want
    assert {a for _, a, _ in want.values()} >= {"deleted", "relabelled", "calibration", "unresolved"}


def test_repair_row_balance(warehouse_22: Warehouse) -> None:
    rows = query(
        warehouse_22.duckdb, "select file, rows_in, rows_deleted, rows_out from marts.eye_gaze_repair_summary"
    )
    assert {r[0] for r in rows} == {"eye_gaze", "fixations"}
    deleted = {
        f: sum(
            t["rows"]
            for t in warehouse_22.ground_truth["dicom_repairs"]
            if t["file"] == f and t["action"] == "deleted"
        )
        for f in ("eye_gaze", "fixations")
    }
    for file, rows_in, rows_deleted, rows_out in rows:
        assert rows_deleted == deleted[file]
        assert rows_out == rows_in - rows_deleted


def test_reflacx_labels_match_ground_truth(warehouse_22: Warehouse) -> None:
    with duckdb.connect(str(warehouse_22.duckdb), read_only=True) as con:
        wide = con.sql("select * from marts.reflacx_labels_wide").fetchdf()
    truth = warehouse_22.ground_truth["reflacx_labels"]
    assert set(wide["id"]) == set(truth)
    labels = list(next(iter(truth.values())))
    assert list(wide.columns[4:]) == labels  # exact names, published order
    problems = []
    for record in wide.to_dict("records"):
        for label in labels:
            got, want = record[label], truth[record["id"]][label]
            got = None if got is None or got != got else got  # NaN/NA -> None
            if got != want:
                problems.append(f"{record['id']} {label}: {got!r} != {want!r}")
    assert problems == []


def test_duckdb_cli_opens_warehouse_read_only(warehouse_22: Warehouse) -> None:
    def cli(sql: str) -> str:
        args = [str(BIN / "duckdb"), "-readonly", "-csv", str(warehouse_22.duckdb), "-c", sql]
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.split()[-1]

    images = len(warehouse_22.ground_truth["images"])
    assert cli("select count(*) from marts.cxr_images_linked") == str(images)
    # Staging views read the lake's Parquet (format v2 encodings) through the CLI's own reader.
    lake_rows = pq.read_metadata(warehouse_22.lake / "icu" / "chartevents.parquet").num_rows
    assert lake_rows > 0
    sql = "select count(*), max(charttime) is not null from staging.stg_mimiciv_icu__chartevents"
    assert cli(sql) == f"{lake_rows},true"


def test_yml_describes_exactly_the_built_columns(warehouse_22: Warehouse) -> None:
    """Every built column of every model is described in its yml, and the yml lists no other column."""
    documented: dict[str, set[str]] = {}
    for path in (PROJECT / "models").rglob("_*__models.yml"):
        for model in yaml.safe_load(path.read_text())["models"]:
            relation = model.get("config", {}).get("alias", model["name"])  # MIMIC-schema views are aliased
            documented[relation] = {c["name"].lower() for c in model.get("columns", [])}
    built: dict[str, set[str]] = {}
    sql = "select table_name, column_name from information_schema.columns where table_schema <> 'seeds'"
    for table, column in query(warehouse_22.duckdb, sql):
        built.setdefault(table, set()).add(column.lower())
    assert set(documented) <= set(built)
    assert {m: built[m] ^ cols for m, cols in documented.items() if built[m] != cols} == {}
