"""An independent implementation of HAIM's tabular embeddings, written from the written rules (SPEC "HAIM
tabular embeddings" and the reference notes), not from the mart's SQL: it follows HAIM's own procedure
literally with pandas/numpy/scipy (bound the frames, pivot per label in row order, append one zero row,
pandas statistics,
scipy.signal.find_peaks, numpy.polyfit).

`embedding_rows(patient, haim_id)` takes any object with the attributes `core, admissions, chartevents,
labevents, procedureevents, cxr` holding DataFrames with the HAIM pickle columns, so it runs equally on frames
built from the lake (`lake_patients`) and on loaded pickles."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from scipy.signal import find_peaks

# HAIM's lists, verbatim and in order (the lab list names Platelet Count twice).
CHART_LABELS = [
    "Heart Rate", "Non Invasive Blood Pressure systolic", "Non Invasive Blood Pressure diastolic",
    "Non Invasive Blood Pressure mean", "Respiratory Rate", "O2 saturation pulseoxymetry",
    "GCS - Verbal Response", "GCS - Eye Opening", "GCS - Motor Response",
]  # fmt: skip
LAB_LABELS = [
    "Glucose", "Potassium", "Sodium", "Chloride", "Creatinine", "Urea Nitrogen", "Bicarbonate", "Anion Gap",
    "Hemoglobin", "Hematocrit", "Magnesium", "Platelet Count", "Phosphate", "White Blood Cells",
    "Calcium, Total", "MCH", "Red Blood Cells", "MCHC", "MCV", "RDW", "Platelet Count", "Neutrophils",
    "Vancomycin",
]  # fmt: skip
PROCEDURE_LABELS = [
    "Foley Catheter", "PICC Line", "Intubation", "Peritoneal Dialysis", "Bronchoscopy", "EEG",
    "Dialysis - CRRT", "Dialysis Catheter", "Chest Tube Removed", "Hemodialysis",
]  # fmt: skip
STATISTICS = ["max", "min", "mean", "variance", "meandiff", "meanabsdiff", "maxdiff", "sumabsdiff", "diff",
              "npeaks", "trend"]  # fmt: skip
CHEXPERT = [
    "Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Enlarged Cardiomediastinum", "Fracture",
    "Lung Lesion", "Lung Opacity", "No Finding", "Pleural Effusion", "Pleural Other", "Pneumonia",
    "Pneumothorax", "Support Devices",
]  # fmt: skip
DEMOGRAPHICS = [
    "anchor_age",
    "gender_int",
    "ethnicity_int",
    "marital_status_int",
    "language_int",
    "insurance_int",
]
CODED = {"gender_int": "gender", "ethnicity_int": "race", "marital_status_int": "marital_status",
         "language_int": "language", "insurance_int": "insurance"}  # fmt: skip


def hours(later: Any, earlier: Any) -> float:
    """HAIM's date_diff_hrs: seconds / 3600 as a float, NaN when either side is missing."""
    try:
        delta = (later - earlier).total_seconds() / 3600
    except (TypeError, ValueError, AttributeError):
        return float("nan")
    return float("nan") if pd.isna(delta) else float(delta)


def with_delta(frame: pd.DataFrame, time_column: str, admittime: pd.Timestamp) -> pd.DataFrame:
    out = frame.copy()
    out["deltacharttime"] = [hours(t, admittime) for t in out[time_column]]
    return out


def bound(frame: pd.DataFrame, end_hr: float) -> pd.DataFrame:
    """Rows with deltacharttime <= end_hr, or NaN: HAIM keeps NaN-time rows. Row order is kept."""
    keep = (frame["deltacharttime"] <= end_hr) | frame["deltacharttime"].isna()
    return frame[keep]


def pivot(frame: pd.DataFrame, labels: list[str], value_column: str) -> pd.DataFrame:
    """HAIM's pivot_*event: one column per label, filled on the rows whose label matches exactly (value cast
    to float), rows where every label column is null dropped. No sort, no aggregation."""
    values = frame[value_column].astype(float)  # HAIM casts every row: any non-numeric value raises
    # Rows of other labels would be all-null and dropped: leaving them out first changes nothing but the time.
    matching = frame["label"].isin(labels)
    frame, values = frame[matching], values[matching]
    out = pd.DataFrame(index=frame.index)
    for label in dict.fromkeys(labels):
        out[label] = values.where(frame["label"] == label)
    return out.dropna(how="all")


def series_statistics(y: pd.Series) -> list[float]:
    """The 11 statistics of one series y (the trailing zero already in it), pandas defaults, NaN -> 0."""
    d = y.diff()
    values = [
        y.max(), y.min(), y.mean(), y.var(),
        d.mean(), d.abs().mean(), d.abs().max(), d.abs().sum(),
        y.iloc[-1] - y.iloc[0],
        float(len(find_peaks(y.to_numpy())[0])),
        float(np.polyfit(np.arange(len(y)), y.to_numpy(), 1)[0]) if len(y) > 1 else 0.0,
    ]  # fmt: skip
    return [0.0 if pd.isna(v) else float(v) for v in values]


def ts_features(frame: pd.DataFrame, labels: list[str], value_column: str) -> list[float]:
    """HAIM's get_ts_embeddings for one family: item-major, 11 per distinct label, first occurrence first."""
    table = pivot(frame, labels, value_column)
    zero = pd.DataFrame([[0.0] * len(table.columns)], columns=table.columns)
    table = pd.concat([table, zero], ignore_index=True)  # HAIM's appended all-zero row
    features: list[float] = []
    for label in dict.fromkeys(labels):
        features += series_statistics(table[label].dropna().reset_index(drop=True))
    return features


def cxr_charttime(study_date: int, study_time: float) -> pd.Timestamp:
    """StudyDate + StudyTime formatted as zero-padded HHMMSS.fff, floored to the minute."""
    text = f"{int(study_date)}{study_time:010.3f}"
    return pd.Timestamp(pd.to_datetime(text, format="%Y%m%d%H%M%S.%f")).floor("min")


def embedding_rows(patient: Any, haim_id: int, time_bound: str = "reference") -> list[dict[str, Any]]:
    """One dict per image of the sample's admission, as HAIM's per-image loop writes it. time_bound 'strict'
    also bounds procedureevents (by storetime), which HAIM leaves whole."""
    admission = patient.admissions.iloc[0]
    core = patient.core.iloc[0]
    admittime, dischtime = admission["admittime"], admission["dischtime"]
    cxr = patient.cxr
    rows = []
    for _, image in cxr.iterrows():
        if not (admittime <= image["charttime"] <= dischtime):
            continue
        end_hr = image["deltacharttime"]
        procedures = patient.procedureevents
        if time_bound == "strict":
            procedures = bound(with_delta(procedures, "storetime", admittime), end_hr)
        row: dict[str, Any] = {
            "haim_id": haim_id,
            "img_id": image["dicom_id"],
            "img_charttime": image["charttime"],
            "img_deltacharttime": end_hr,
            "discharge_location": core["discharge_location"],
            "img_length_of_stay": hours(dischtime, image["charttime"]),
            "death_status": int(core["discharge_location"] == "DIED"),
        }
        row.update({f"de_{k}": core[name] for k, name in enumerate(DEMOGRAPHICS)})
        families = [
            ("ts_ce", bound(patient.chartevents, end_hr), CHART_LABELS, "valuenum"),
            ("ts_le", bound(patient.labevents, end_hr), LAB_LABELS, "valuenum"),
            ("ts_pe", procedures, PROCEDURE_LABELS, "value"),
        ]
        for prefix, frame, labels, value_column in families:
            row.update({f"{prefix}_{k}": v for k, v in enumerate(ts_features(frame, labels, value_column))})
        for name in ["split", *CHEXPERT, "PerformedProcedureStepDescription", "ViewPosition"]:
            row[name] = image[name]
        rows.append(row)
    return rows


@dataclass
class LakePatient:
    """The frames of one HAIM sample, shaped like the pickle attributes the embeddings read."""

    core: pd.DataFrame
    admissions: pd.DataFrame
    chartevents: pd.DataFrame
    labevents: pd.DataFrame
    procedureevents: pd.DataFrame
    cxr: pd.DataFrame


def _read(lake: Path, module: str, table: str) -> pd.DataFrame:
    """A whole lake table in release-file order."""
    path = lake / module / f"{table}.parquet"
    return duckdb.sql(f"select * from read_parquet('{path}') order by row_index").df()


def category_codes(values: pd.Series) -> pd.Series:
    """pandas category codes: categories sorted by code point, NULL -> -1."""
    return values.astype("category").cat.codes.astype(int)


def lake_patients(lake: Path, samples: pd.DataFrame) -> Iterator[tuple[int, LakePatient]]:
    """(haim_id, frames) for every sample (haim_id, subject_id, hadm_id, stay_id), built from the lake files:
    each event table in file order, left-merged with its dictionary on itemid, deltacharttime appended."""
    admissions = _read(lake, "hosp", "admissions")
    patients = _read(lake, "hosp", "patients")
    core = admissions.merge(patients[["subject_id", "gender", "anchor_age"]], on="subject_id", how="inner")
    for code, column in CODED.items():
        core[code] = category_codes(core[column])
    d_items = _read(lake, "icu", "d_items")[["itemid", "label"]]
    d_labitems = _read(lake, "hosp", "d_labitems")[["itemid", "label"]]
    chart = _read(lake, "icu", "chartevents").merge(d_items, on="itemid", how="left")
    labs = _read(lake, "hosp", "labevents").merge(d_labitems, on="itemid", how="left")
    procedures = _read(lake, "icu", "procedureevents").merge(d_items, on="itemid", how="left")
    metadata = _read(lake, "cxr_jpg", "metadata")
    split = _read(lake, "cxr_jpg", "split")[["dicom_id", "split"]]
    chexpert = _read(lake, "cxr_jpg", "chexpert").drop(columns=["subject_id", "row_index"])
    cxr = metadata.merge(split, on="dicom_id", how="left").merge(chexpert, on="study_id", how="left")
    cxr["charttime"] = [cxr_charttime(d, t) for d, t in zip(cxr["StudyDate"], cxr["StudyTime"], strict=True)]
    by_stay_chart = dict(tuple(chart.groupby("stay_id", sort=False)))
    by_hadm_lab = dict(tuple(labs.groupby("hadm_id", sort=False)))
    by_stay_proc = dict(tuple(procedures.groupby("stay_id", sort=False)))
    by_subject_cxr = dict(tuple(cxr.groupby("subject_id", sort=False)))
    empty = {"chart": chart.iloc[:0], "lab": labs.iloc[:0], "proc": procedures.iloc[:0], "cxr": cxr.iloc[:0]}
    for sample in samples.itertuples():
        admission = admissions[admissions["hadm_id"] == sample.hadm_id].reset_index(drop=True)
        admittime = admission["admittime"].iloc[0]
        yield (
            int(sample.haim_id),
            LakePatient(
                core=core[core["hadm_id"] == sample.hadm_id].reset_index(drop=True),
                admissions=admission,
                chartevents=with_delta(
                    by_stay_chart.get(sample.stay_id, empty["chart"]), "charttime", admittime
                ),
                labevents=with_delta(by_hadm_lab.get(sample.hadm_id, empty["lab"]), "charttime", admittime),
                procedureevents=by_stay_proc.get(sample.stay_id, empty["proc"]).reset_index(drop=True),
                cxr=with_delta(by_subject_cxr.get(sample.subject_id, empty["cxr"]), "charttime", admittime),
            ),
        )
