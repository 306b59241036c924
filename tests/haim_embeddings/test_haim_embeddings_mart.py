"""marts.haim_embeddings against the independent reference implementation (haim_reference.py, HAIM's procedure
in pandas/numpy/scipy) on a synthetic release: every row, every column, in both time-bound modes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import haim_mart_release
import haim_reference as ref
import numpy as np
import pandas as pd
import pytest

from mimic_mm.dbt_env import dbt_env

pytestmark = pytest.mark.xdist_group("haim_mart_release")

KEY = ["haim_id", "img_id"]


def expected_columns() -> list[str]:
    features = [
        f"{prefix}_{k}"
        for prefix, labels in (
            ("ts_ce", ref.CHART_LABELS),
            ("ts_le", ref.LAB_LABELS),
            ("ts_pe", ref.PROCEDURE_LABELS),
        )
        for k in range(len(dict.fromkeys(labels)) * len(ref.STATISTICS))
    ]
    return [
        "haim_id", "subject_id", "hadm_id", "stay_id", "img_id", "img_charttime", "img_deltacharttime",
        "discharge_location", "img_length_of_stay", "death_status", *[f"de_{k}" for k in range(6)], *features,
        "split", *ref.CHEXPERT, "PerformedProcedureStepDescription", "ViewPosition",
    ]  # fmt: skip


def agree(a: pd.Series, b: pd.Series) -> pd.Series:
    """Element-wise agreement: numbers within 1e-9 relative (max(1, |a|, |b|)), anything else equal; NULLs
    match."""
    both_missing = a.isna() & b.isna()
    if pd.api.types.is_numeric_dtype(b) and not pd.api.types.is_bool_dtype(b):
        x, y = a.astype(float), b.astype(float)
        close = (x - y).abs() <= 1e-9 * np.maximum(1.0, np.maximum(x.abs(), y.abs()))
        return close | both_missing
    return (a == b).fillna(False).astype(bool) | both_missing


def assert_agrees(mart: pd.DataFrame, expected: pd.DataFrame) -> None:
    got = mart.set_index(KEY).sort_index()
    assert list(got.index) == list(expected.index), "row sets differ"
    mismatches = {}
    for column in expected.columns:
        ok = agree(got[column], expected[column])
        if not ok.all():
            bad = ok[~ok].index[:3]
            mismatches[column] = [(i, got.at[i, column], expected.at[i, column]) for i in bad]
    assert not mismatches, f"{len(mismatches)} columns differ, e.g. {dict(list(mismatches.items())[:5])}"


def test_columns_are_haims_names_in_order(mart: pd.DataFrame) -> None:
    assert list(mart.columns) == expected_columns()
    assert len([c for c in mart.columns if c.startswith("ts_")]) == 99 + 242 + 110


def test_every_value_equals_the_reference_implementation(mart: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert len(reference) > 50
    assert_agrees(mart, reference)


def test_strict_mode_equals_the_reference_with_procedures_bounded(
    mart_strict: pd.DataFrame, reference_strict: pd.DataFrame
) -> None:
    assert_agrees(mart_strict, reference_strict)


def test_strict_mode_changes_only_procedure_features(mart: pd.DataFrame, mart_strict: pd.DataFrame) -> None:
    a, b = mart.set_index(KEY).sort_index(), mart_strict.set_index(KEY).sort_index()
    assert list(a.index) == list(b.index)
    for column in a.columns:
        if not column.startswith("ts_pe_"):
            assert agree(a[column], b[column]).all(), column
    procedures = [c for c in a.columns if c.startswith("ts_pe_")]
    changed = ~pd.concat([agree(a[c], b[c]) for c in procedures], axis=1).all(axis=1)
    assert changed.any(), "no procedure event after an image: the strict bound is not exercised"


def test_rows_are_the_images_of_each_samples_admission(
    mart: pd.DataFrame, mart_release: haim_mart_release.MartRelease, samples: pd.DataFrame
) -> None:
    """(haim_id, img_id) = every image of the subject whose minute-floored time is in [admittime, dischtime]:
    an admission with k ICU stays repeats each image k times."""
    lake = mart_release.lake
    admissions = pd.read_parquet(lake / "hosp" / "admissions.parquet")
    images = pd.read_parquet(lake / "cxr_jpg" / "metadata.parquet")
    images["minute"] = [
        ref.cxr_charttime(d, t) for d, t in zip(images["StudyDate"], images["StudyTime"], strict=True)
    ]
    joined = samples.merge(admissions[["hadm_id", "admittime", "dischtime"]], on="hadm_id").merge(
        images[["subject_id", "dicom_id", "minute"]], on="subject_id"
    )
    inside = joined[(joined["minute"] >= joined["admittime"]) & (joined["minute"] <= joined["dischtime"])]
    expected = set(zip(inside["haim_id"], inside["dicom_id"], strict=True))
    assert set(zip(mart["haim_id"], mart["img_id"], strict=True)) == expected
    assert len(mart) == len(expected)
    stays_per_admission = samples.groupby("hadm_id")["stay_id"].nunique()
    rows_per_image = mart.groupby(["hadm_id", "img_id"]).size()
    for (hadm_id, _img), count in rows_per_image.items():
        assert count == stays_per_admission[hadm_id]
    assert (rows_per_image > 1).any(), "no image of an admission with two ICU stays"


def test_invalid_time_bound_is_refused(mart_release: haim_mart_release.MartRelease, tmp_path: Path) -> None:
    args = haim_mart_release.dbt_args(
        tmp_path / "target",
        "compile",
        "--select",
        "int_haim_image_cutoffs",
        "--vars",
        "{haim_time_bound: loose}",
    )
    env = dbt_env(mart_release.lake, tmp_path / "unused.duckdb")
    proc = subprocess.run(
        args, cwd=haim_mart_release.PROJECT, env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0
    assert "haim_time_bound must be 'reference' or 'strict'" in proc.stdout + proc.stderr
