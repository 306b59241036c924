"""The release catalogue is the one description of every raw file: check it against the shared reference."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from mimic_mm.releases import lake_columns, lake_tables, mimic_iv_releases, release_tables, releases, snake

SHARED_REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "mimic_iv_columns.tsv"
PACKAGED_REFERENCE = (
    Path(__file__).resolve().parents[2] / "python" / "mimic_mm" / "releases" / "mimic_iv_columns.tsv"
)


def test_packaged_reference_list_is_the_shared_one() -> None:
    if not SHARED_REFERENCE.exists():
        pytest.skip("shared/ reference folder is not beside this checkout")
    assert PACKAGED_REFERENCE.read_bytes() == SHARED_REFERENCE.read_bytes()


def test_every_reference_table_is_catalogued_with_its_header_in_order() -> None:
    with PACKAGED_REFERENCE.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    expected: dict[tuple[str, str], list[str]] = {}
    for r in sorted(rows, key=lambda r: int(r["position"])):
        expected.setdefault((r["release"], r["table"]), []).append(r["column"])
    for (release, table), header in expected.items():
        got = release_tables(release)[table].header
        # The only sanctioned difference is the documented upper-case quirk.
        assert [c.lower() for c in got] == [c.lower() for c in header], (release, table)


def test_procedureevents_quirk_is_upper_case_in_2_2() -> None:
    header = release_tables("mimic-iv-2.2")["procedureevents"].header
    assert header[-2:] == ["ORIGINALAMOUNT", "ORIGINALRATE"]


def test_layout_paths_follow_the_release() -> None:
    assert release_tables("mimic-iv-1.0")["patients"].path == "core/patients.csv.gz"
    assert release_tables("mimic-iv-2.2")["patients"].path == "hosp/patients.csv.gz"
    assert release_tables("mimic-iv-ed-2.2")["edstays"].path == "ed/edstays.csv.gz"
    assert release_tables("reflacx-1.0.0")["fixations"].path == "main_data/{id}/fixations.csv"
    markers = {(r, t.table) for r in releases() for t in release_tables(r).values() if t.marker}
    assert ("mimic-iv-1.0", "admissions") in markers and ("mimic-iv-2.2", "admissions") in markers
    assert ("egd-cxr-1.0.0", "master_sheet") in markers


def test_lake_schema_is_the_union_with_new_names() -> None:
    admissions = dict(lake_columns("hosp", "admissions"))
    assert "race" in admissions and "ethnicity" not in admissions
    assert admissions["admit_provider_id"] == "VARCHAR"
    assert dict(lake_columns("hosp", "d_labitems"))["loinc_code"] == "VARCHAR"  # 1.0 only, kept
    proc = [c for c, _ in lake_columns("icu", "procedureevents")]
    assert proc.count("originalamount") == 1 and "ORIGINALAMOUNT" not in proc
    # Newest release decides the type: ED 2.2 triage.pain is text, 2.2 procedures_icd.chartdate a DATE.
    assert dict(lake_columns("ed", "triage"))["pain"] == "VARCHAR"
    assert dict(lake_columns("hosp", "procedures_icd"))["chartdate"] == "DATE"
    assert dict(lake_columns("hosp", "diagnoses_icd"))["icd_code"] == "VARCHAR"
    assert dict(lake_columns("icu", "chartevents"))["subject_id"] == "INTEGER"


def test_reflacx_phases_merge_into_one_lake_table() -> None:
    labels = [c for c, _ in lake_columns("reflacx", "metadata")]
    for name in ("Mass", "Nodule", "Lung nodule or mass", "High lung volume / emphysema", "Quality issue"):
        assert labels.count(name) == 1
    assert ("reflacx", "metadata_phase_1") not in lake_tables()


def test_every_mimic_iv_release_is_known() -> None:
    assert mimic_iv_releases() == ["mimic-iv-1.0", "mimic-iv-2.0", "mimic-iv-2.2", "mimic-iv-3.1"]


@pytest.mark.parametrize(
    ("published", "staged"),
    [
        ("High lung volume / emphysema", "high_lung_volume_emphysema"),
        ("Time (in secs)", "time_in_secs"),
        ("ViewPosition", "view_position"),
        ("SESSION_ID", "session_id"),
        ("subject_id", "subject_id"),
    ],
)
def test_snake_case_staging_names(published: str, staged: str) -> None:
    assert snake(published) == staged


def test_snake_names_are_unique_within_every_lake_table() -> None:
    for key, cols in lake_tables().items():
        names = [snake(c) for c, _ in cols]
        assert len(names) == len(set(names)), key
