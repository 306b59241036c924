"""The HAIM edge cases `synth` plants, found in marts.haim_embeddings with the values HAIM's rules give
(worked out by hand from the reference notes, not by running either implementation)."""

from __future__ import annotations

import duckdb
import haim_mart_release
import pandas as pd
import pytest

pytestmark = pytest.mark.xdist_group("haim_mart_release")

WORKED_REORDERED = [95, 0, 61.25, 1772.9166666666667, -95 / 3, 95 / 3, 70, 95, -95, 0, -29.5]  # 95, 80, 70
TWO_AT_ONE_TIME = [100, 0, 60, 2800, -40, 60, 100, 120, -80, 1, -40]  # 80 then 100
SINGLE_80 = [80, 0, 40, 3200, -80, 80, 80, 80, -80, 0, -80]
ZEROS = [0.0] * 11
# Feature offsets (11 * item index) of the items the planted series use.
HEART_RATE, NIBP_MEAN, RESPIRATORY_RATE, O2_SATURATION = 0, 33, 44, 55
GLUCOSE, PLATELET_COUNT, FOLEY_CATHETER = 0, 121, 0

HAIM_CASES = (
    "haim_admission_two_icu_stays", "haim_stay_every_item", "haim_item_only_null_values",
    "haim_image_at_admittime", "haim_image_bounds_same_minute", "haim_image_in_discharge_minute",
    "haim_image_after_dischtime", "haim_file_order_not_time_order", "haim_value_in_image_minute",
    "haim_two_values_same_time", "haim_item_single_value", "haim_lab_before_admission",
    "haim_procedure_after_image", "haim_stay_without_events",
)  # fmt: skip


def features(row: pd.Series, prefix: str, offset: int) -> list[float]:
    return [float(row[f"{prefix}_{offset + j}"]) for j in range(11)]


def one(mart: pd.DataFrame, cases: dict, image_case: str, stay_case: str) -> pd.Series:
    """The mart row of the planted image `image_case` for the planted stay `stay_case`."""
    (dicom,) = cases[image_case]
    (stay,) = cases[stay_case]
    rows = mart[(mart["img_id"] == dicom) & (mart["stay_id"] == int(stay))]
    assert len(rows) == 1, (image_case, stay_case, len(rows))
    return rows.iloc[0]


@pytest.fixture(scope="module")
def cases(mart_release: haim_mart_release.MartRelease) -> dict:
    return mart_release.ground_truth["cases"]


def test_every_haim_case_is_planted(cases: dict) -> None:
    assert set(HAIM_CASES) <= set(cases), sorted(set(HAIM_CASES) - set(cases))


def test_images_at_the_admission_bounds(mart: pd.DataFrame, cases: dict) -> None:
    at_admit = mart[mart["img_id"] == cases["haim_image_at_admittime"][0]]
    assert len(at_admit) == 2 and (at_admit["img_deltacharttime"] == 0).all()
    in_minute = mart[mart["img_id"] == cases["haim_image_in_discharge_minute"][0]]
    assert len(in_minute) == 2 and (in_minute["img_length_of_stay"] == 0).all()
    assert cases["haim_image_after_dischtime"][0] not in set(mart["img_id"])
    (subject,) = cases["haim_admission_two_icu_stays"]
    per_image = mart[mart["subject_id"] == int(subject)].groupby("img_id")["stay_id"].nunique()
    assert len(per_image) == 3 and (per_image == 2).all()


def test_series_in_file_order_bounded_at_the_image_minute(mart: pd.DataFrame, cases: dict) -> None:
    row = one(mart, cases, "haim_image_bounds_same_minute", "haim_file_order_not_time_order")
    assert features(row, "ts_ce", HEART_RATE) == pytest.approx(WORKED_REORDERED, rel=1e-12)
    # 18 in the image's minute counts, 30 half a minute later does not: y = (18, 0).
    assert features(row, "ts_ce", RESPIRATORY_RATE) == pytest.approx(
        [18, 0, 9, 162, -18, 18, 18, 18, -18, 0, -18]
    )
    assert features(row, "ts_ce", O2_SATURATION) == pytest.approx(TWO_AT_ONE_TIME, rel=1e-12)
    assert features(row, "ts_ce", NIBP_MEAN) == pytest.approx(SINGLE_80, rel=1e-12)
    later = one(mart, cases, "haim_image_in_discharge_minute", "haim_value_in_image_minute")
    assert later["ts_ce_44"] == 30  # max of (18, 30, 0) once the image is later


def test_item_with_only_null_values_and_stay_without_events(mart: pd.DataFrame, cases: dict) -> None:
    (stay,) = cases["haim_item_only_null_values"]
    rows = mart[mart["stay_id"] == int(stay)]
    assert len(rows) == 3
    for _, row in rows.iterrows():
        assert features(row, "ts_ce", HEART_RATE) == ZEROS
    (empty,) = cases["haim_stay_without_events"]
    rows = mart[mart["stay_id"] == int(empty)]
    assert len(rows) == 1
    assert (rows[[c for c in mart.columns if c.startswith(("ts_ce_", "ts_pe_"))]] == 0).all().all()


def test_stay_with_every_item(mart: pd.DataFrame, cases: dict) -> None:
    row = one(mart, cases, "haim_image_in_discharge_minute", "haim_stay_every_item")
    for prefix, items in (("ts_ce", 9), ("ts_le", 22), ("ts_pe", 10)):
        assert all(row[f"{prefix}_{11 * i}"] > 0 for i in range(items)), prefix
    # Platelet Count is listed twice by HAIM but is one item: its features sit at 121..131, Vancomycin last.
    assert row[f"ts_le_{PLATELET_COUNT}"] == 10 + 11
    assert row["ts_le_231"] == 10 + 21


def test_labs_before_admission_count_and_procedures_are_unbounded(
    mart: pd.DataFrame, mart_strict: pd.DataFrame, cases: dict
) -> None:
    at_admit = one(mart, cases, "haim_image_at_admittime", "haim_lab_before_admission")
    assert at_admit[f"ts_le_{GLUCOSE}"] == 10  # drawn two hours before admittime
    assert at_admit[f"ts_le_{PLATELET_COUNT}"] == 0  # drawn after the image
    # Reference: every procedure of the stay counts, even a day after the image. Strict: none stored yet.
    assert at_admit[f"ts_pe_{FOLEY_CATHETER}"] == 60
    strict = one(mart_strict, cases, "haim_image_at_admittime", "haim_procedure_after_image")
    assert features(strict, "ts_pe", FOLEY_CATHETER) == ZEROS
    strict_later = one(mart_strict, cases, "haim_image_bounds_same_minute", "haim_procedure_after_image")
    assert strict_later[f"ts_pe_{FOLEY_CATHETER}"] == 15  # stored at 00:40, before the 03:00 image


def test_event_files_are_not_in_time_order(mart_release: haim_mart_release.MartRelease) -> None:
    """Within subjects, chartevents rows are not sorted by time, so row order and time order differ."""
    path = mart_release.lake / "icu" / "chartevents.parquet"
    ((unsorted,),) = duckdb.sql(
        f"""select count(*) from (
                select charttime < lag(charttime) over (partition by subject_id order by row_index) as back
                from read_parquet('{path}')
            ) where back"""
    ).fetchall()
    assert unsorted > 0
