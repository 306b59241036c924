"""Every catalogue table is written with its exact header, and values parse under the reference types."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from synth_readback import read_header, read_rows, table_path

from mimic_mm.releases import release_tables
from mimic_mm.synth.generate import release_root

FLAT_RELEASES = ["mimic-iv-ed-2.2", "mimic-iv-note-2.2", "mimic-cxr-jpg-2.0.0", "mimic-cxr-2.0.0"]
PER_CASE = {
    "anomaly_location_ellipses_phase_1",
    "anomaly_location_ellipses_phase_2_3",
    "chest_bounding_box",
    "fixations",
    "timestamps_transcription",
    "gaze",
}


@pytest.mark.xdist_group("synth22")
@pytest.mark.parametrize("release", ["mimic-iv-2.2", *FLAT_RELEASES, "egd-cxr-1.0.0"])
def test_every_table_has_the_catalogue_header(gen22: Path, release: str) -> None:
    for table, rt in release_tables(release).items():
        if not rt.columns:
            continue
        path = table_path(gen22, release, table)
        assert path.exists(), f"{release}/{table} missing at {path}"
        assert read_header(path) == rt.header, f"{release}/{table}"


@pytest.mark.xdist_group("synth10")
def test_mimic_iv_1_0_layout(gen10: Path) -> None:
    root = release_root(gen10, "mimic-iv-1.0", "1.0")
    assert (root / "core" / "admissions.csv.gz").exists() and not (
        root / "hosp" / "admissions.csv.gz"
    ).exists()
    for table, rt in release_tables("mimic-iv-1.0").items():
        assert read_header(root / rt.path) == rt.header, table
    assert "ethnicity" in read_header(root / "core/admissions.csv.gz")
    assert not (root / "hosp" / "omr.csv.gz").exists()


@pytest.mark.xdist_group("synth22")
def test_reflacx_per_case_headers(gen22: Path) -> None:
    cat = release_tables("reflacx-1.0.0")
    root = release_root(gen22, "reflacx-1.0.0", "")
    for phase in (1, 2, 3):
        meta = cat[f"metadata_phase_{phase}"]
        assert read_header(root / meta.path) == meta.header
        for row in read_rows(root / meta.path):
            ell = cat[
                "anomaly_location_ellipses_phase_1" if phase == 1 else "anomaly_location_ellipses_phase_2_3"
            ]
            assert read_header(root / ell.path.format(id=row["id"])) == ell.header
            for name in PER_CASE - {
                "anomaly_location_ellipses_phase_1",
                "anomaly_location_ellipses_phase_2_3",
            }:
                path = root / cat[name].path.format(id=row["id"])
                if row["eye_tracking_data_discarded"] == "True" and name != "chest_bounding_box":
                    assert not path.exists(), f"discarded case {row['id']} has {name}"
                else:
                    assert read_header(path) == cat[name].header


def _check_value(ref_type: str, v: str, where: str) -> None:
    t = ref_type.upper()
    if t.startswith(("INT", "SMALLINT", "BIGINT")):
        int(v)
    elif t.startswith(("FLOAT", "REAL", "DOUBLE", "NUMERIC")):
        float(v)
    elif t.startswith("TIMESTAMP"):
        datetime.strptime(v, "%Y-%m-%d %H:%M:%S")
    elif t == "DATE":
        datetime.strptime(v, "%Y-%m-%d")
    elif t == "BOOLEAN":
        assert v in ("True", "False"), where


SAMPLE = (
    [
        ("mimic-iv-2.2", t)
        for t in (
            "patients",
            "admissions",
            "transfers",
            "icustays",
            "chartevents",
            "labevents",
            "diagnoses_icd",
            "procedureevents",
            "emar",
            "poe",
            "omr",
            "hcpcsevents",
            "d_items",
        )
    ]
    + [("mimic-iv-ed-2.2", t) for t in ("edstays", "triage", "vitalsign")]
    + [
        ("mimic-iv-note-2.2", "discharge"),
        ("mimic-cxr-jpg-2.0.0", "metadata"),
        ("mimic-cxr-jpg-2.0.0", "chexpert"),
        ("reflacx-1.0.0", "metadata_phase_1"),
        ("egd-cxr-1.0.0", "fixations"),
        ("egd-cxr-1.0.0", "master_sheet"),
    ]
)


@pytest.mark.xdist_group("synth22")
@pytest.mark.parametrize(("release", "table"), SAMPLE)
def test_values_parse_under_reference_types(gen22: Path, release: str, table: str) -> None:
    rt = release_tables(release)[table]
    n = 0
    for i, row in enumerate(read_rows(table_path(gen22, release, table))):
        if i >= 20000:
            break
        for c in rt.columns:
            v = row[c.name]
            where = f"{release}/{table} row {i} column {c.name}"
            if v == "":
                assert not c.not_null, f"{where}: NULL in a NOT NULL column"
                continue
            _check_value(c.type, v, where)
        n += 1
    assert n > 0, f"{release}/{table} is empty"


@pytest.mark.xdist_group("synth22")
def test_ids_cardinalities_and_quirks(gen22: Path) -> None:
    pats = list(read_rows(table_path(gen22, "mimic-iv-2.2", "patients")))
    assert len(pats) == 200
    assert all(10_000_000 <= int(p["subject_id"]) <= 19_999_999 for p in pats)
    adm = list(read_rows(table_path(gen22, "mimic-iv-2.2", "admissions")))
    assert all(20_000_000 <= int(a["hadm_id"]) <= 29_999_999 for a in adm)
    per_subject = {}
    for a in adm:
        per_subject[a["subject_id"]] = per_subject.get(a["subject_id"], 0) + 1
    assert max(per_subject.values()) >= 3, "some patients have several admissions"
    icu = list(read_rows(table_path(gen22, "mimic-iv-2.2", "icustays")))
    ed = list(read_rows(table_path(gen22, "mimic-iv-ed-2.2", "edstays")))
    assert all(30_000_000 <= int(s["stay_id"]) <= 39_999_999 for s in icu + ed)
    assert 0.1 <= sum(e["hadm_id"] == "" for e in ed) / len(ed) <= 0.35, (
        "about a fifth of edstays lack hadm_id"
    )
    charts = sum(1 for _ in read_rows(table_path(gen22, "mimic-iv-2.2", "chartevents")))
    assert 1000 <= charts / len(icu) <= 10000, "hundreds to thousands of chartevents per ICU stay"
    pains = {r["pain"] for r in read_rows(table_path(gen22, "mimic-iv-ed-2.2", "triage"))}
    assert any(p and not p.isdigit() for p in pains), "triage.pain is free text sometimes"
    codes = {r["icd_code"] for r in read_rows(table_path(gen22, "mimic-iv-2.2", "diagnoses_icd"))}
    assert any(c.startswith("0") for c in codes), "ICD codes keep leading zeros"
    header = read_header(table_path(gen22, "mimic-iv-2.2", "procedureevents"))
    assert "ORIGINALAMOUNT" in header and "ORIGINALRATE" in header
    meta = list(read_rows(table_path(gen22, "mimic-cxr-jpg-2.0.0", "metadata")))
    assert all(re.fullmatch(r"([0-9a-f]{8}-){4}[0-9a-f]{8}", m["dicom_id"]) for m in meta)
    assert all(50_000_000 <= int(m["study_id"]) <= 59_999_999 for m in meta)
    per_study: dict[str, int] = {}
    for m in meta:
        per_study[m["study_id"]] = per_study.get(m["study_id"], 0) + 1
    assert set(per_study.values()) <= {1, 2, 3} and len(set(per_study.values())) >= 2
    rec = list(read_rows(table_path(gen22, "mimic-cxr-2.0.0", "record_list")))
    assert all(re.fullmatch(r"files/p1\d/p\d{8}/s\d{8}/[0-9a-f-]{44}\.dcm", r["path"]) for r in rec)
    root = release_root(gen22, "mimic-cxr-2.0.0", "")
    for r in read_rows(table_path(gen22, "mimic-cxr-2.0.0", "study_list")):
        assert (root / r["path"]).is_file(), r["study_id"]
