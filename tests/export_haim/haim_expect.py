"""The SPEC's HAIM row selection computed independently from the Parquet lake with plain pandas."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from mimic_mm.releases.lake import is_row_order

# attribute → (lake tables, rows of the subject it keeps, dictionary table, time column), per SPEC
# "HAIM pickles".
SPEC = {
    "admissions": (["hosp/admissions"], "hadm", None, None),
    "demographics": (["hosp/patients"], "subject", None, None),
    "transfers": (["hosp/transfers"], "hadm", None, "intime"),
    "diagnoses_icd": (["hosp/diagnoses_icd"], "subject", "hosp/d_icd_diagnoses", None),
    "drgcodes": (["hosp/drgcodes"], "hadm", None, None),
    "emar": (["hosp/emar"], "hadm", None, "charttime"),
    "emar_detail": (["hosp/emar_detail"], "subject", None, None),
    "hcpcsevents": (["hosp/hcpcsevents"], "hadm", "hosp/d_hcpcs", "chartdate"),
    "labevents": (["hosp/labevents"], "hadm", "hosp/d_labitems", "charttime"),
    "microbiologyevents": (["hosp/microbiologyevents"], "hadm", None, "charttime"),
    "poe": (["hosp/poe"], "hadm", None, "ordertime"),
    "poe_detail": (["hosp/poe_detail"], "subject", None, None),
    "prescriptions": (["hosp/prescriptions"], "hadm", None, "starttime"),
    "procedures_icd": (["hosp/procedures_icd"], "hadm", "hosp/d_icd_procedures", "chartdate"),
    "services": (["hosp/services"], "hadm", None, "transfertime"),
    "procedureevents": (["icu/procedureevents"], "stay", "icu/d_items", "starttime"),
    "outputevents": (["icu/outputevents"], "stay", "icu/d_items", "charttime"),
    "inputevents": (["icu/inputevents"], "stay", "icu/d_items", "starttime"),
    "icustays": (["icu/icustays"], "stay", None, None),
    "datetimeevents": (["icu/datetimeevents"], "stay", "icu/d_items", "charttime"),
    "chartevents": (["icu/chartevents"], "stay", "icu/d_items", "charttime"),
    "noteevents": (["note/discharge", "note/radiology"], "hadm", None, "charttime"),
    "dsnotes": (["note/discharge"], "stay_time", None, "charttime"),
    "radnotes": (["note/radiology"], "stay_time", None, "charttime"),
}


class Lake:
    def __init__(self, root: Path):
        self.root = root

    @cache  # noqa: B019 - one Lake per test session
    def table(self, name: str) -> pd.DataFrame:
        """A lake table without the converter's record-order column (not part of the published columns)."""
        df = pq.read_table(self.root / f"{name}.parquet").to_pandas()
        if "row_index" in df.columns:  # release-file order, whatever order the Parquet rows are in
            df = df.sort_values("row_index", kind="stable", ignore_index=True)
        return df.drop(columns=[c for c in df.columns if is_row_order(name.split("/")[0], c)])

    @cache  # noqa: B019
    def by_subject(self, name: str) -> dict[int, pd.DataFrame]:
        """The table split by subject_id once, so per-stay checks filter small frames."""
        df = self.table(name)
        return {int(k): g for k, g in df.groupby("subject_id", sort=False)}

    def of_subject(self, name: str, subject_id: int) -> pd.DataFrame:
        return self.by_subject(name).get(subject_id, self.table(name).iloc[0:0])

    def cxr(self, subject_id: int) -> pd.DataFrame:
        meta = self.table("cxr_jpg/metadata")
        return meta[meta["subject_id"] == subject_id].sort_values(["study_datetime", "dicom_id"])

    def expected(
        self, attr: str, ids: tuple[int, int, int], window: tuple[float | None, float | None] = (None, None)
    ):
        subject_id, hadm_id, stay_id = ids
        tables, level, dictionary, time = SPEC[attr]
        parts = []
        for name in tables:
            df = self.of_subject(name, subject_id)
            keep = df["subject_id"] == subject_id
            if level in ("hadm", "stay_time"):
                keep &= df["hadm_id"] == hadm_id
            if level == "stay":
                keep &= df["stay_id"] == stay_id
            if level == "stay_time":
                stay = self.stay(stay_id)
                t = pd.to_datetime(df["charttime"])
                keep &= (t >= stay["intime"]) & (t <= stay["outtime"])
            if time and window != (None, None):
                admit = self.admittime(hadm_id)
                t = pd.to_datetime(df[time])
                keep &= t.notna()
                if window[0] is not None:
                    keep &= t >= admit + pd.Timedelta(hours=window[0])
                if window[1] is not None:
                    keep &= t <= admit + pd.Timedelta(hours=window[1])
            parts.append(df[keep])
        out = pd.concat(parts, ignore_index=True)
        if dictionary:
            out = out.merge(self.table(dictionary), how="left")
        return out

    def stay(self, stay_id: int) -> pd.Series:
        icu = self.table("icu/icustays")
        return icu[icu["stay_id"] == stay_id].iloc[0]

    def admittime(self, hadm_id: int) -> pd.Timestamp:
        adm = self.table("hosp/admissions")
        return adm[adm["hadm_id"] == hadm_id]["admittime"].iloc[0]


def _column(s: pd.Series) -> list:
    """One column as comparable Python values: NULL → None, times → ns integers, numbers → rounded floats."""
    dates = s.dtype == object and any(isinstance(v, date) for v in s.iloc[:20])
    if pd.api.types.is_datetime64_any_dtype(s) or dates:
        t = pd.to_datetime(s, errors="coerce").to_numpy("datetime64[ns]")
        ok = ~np.isnat(t)
        vals = t.astype("int64")
        return [int(v) if k else None for v, k in zip(vals, ok, strict=True)]
    if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
        f = np.round(s.to_numpy(dtype="float64", na_value=np.nan), 6)
        return [None if math.isnan(v) else float(v) for v in f]
    return [
        None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in s.astype(object)
    ]


def ordered_rows(df: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """The rows over `columns`, in frame order, as comparable tuples."""
    return list(zip(*(_column(df[c]) for c in columns), strict=True))


def rows(df: pd.DataFrame, columns: list[str]) -> Counter:
    """The rows over `columns` as a multiset of comparable tuples (NULLs, numbers and times normalised)."""
    return Counter(zip(*(_column(df[c]) for c in columns), strict=True))
