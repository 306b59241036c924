"""Expected contents computed straight from the Parquet lake, independently of the exporter's SQL."""

from __future__ import annotations

import argparse
import datetime as dt
import math
import re
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from mimic_mm.releases.lake import is_row_order

_DATE = re.compile(r"^\d{4}-\d\d-\d\d")


def lake(lake_dir: Path, module: str, table: str) -> pd.DataFrame:
    """A lake table without the converter's record-order column (not a published column)."""
    df = pq.read_table(lake_dir / module / f"{table}.parquet").to_pandas()
    return df.drop(columns=[c for c in df.columns if is_row_order(module, c)])


def canon(value: object) -> object:
    """One spelling per value, whether it comes from Parquet or was read back from CSV text."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return round(float(value), 6)
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return pd.Timestamp(value)
    text = str(value)
    if text in ("True", "False", "true", "false"):
        return text.lower() == "true"
    try:
        return round(float(text), 6)
    except ValueError:
        pass
    if _DATE.match(text):
        try:
            return pd.Timestamp(text)
        except ValueError:
            return text
    return text


def rows(df: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Rows as sorted tuples of canonical values (row order inside a subject is not part of the contract)."""
    out = [tuple(canon(v) for v in r) for r in df[columns].itertuples(index=False, name=None)]
    return sorted(out, key=repr)


def read_export(path: Path, index: bool = True) -> pd.DataFrame:
    """How code written for the published layout reads a file (text values, the index column dropped)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, index_col=0 if index else None)
    return df


def roles(lake_dir: Path) -> dict[str, int]:
    """One subject per edge case of the export, found in the lake (fails when the release lacks one)."""
    meta = lake(lake_dir, "reflacx", "metadata")
    master = lake(lake_dir, "eye_gaze", "master_sheet")
    fixations = lake(lake_dir, "eye_gaze", "fixations")
    reflacx, eye = set(meta.subject_id), set(master.patient_id)
    owner = dict(zip(master.dicom_id, master.patient_id, strict=True))
    truncated = set()
    for d in set(fixations.DICOM_ID) - set(owner):
        hits = [v for v in owner if v.startswith(d)]
        if len(hits) == 1:
            truncated.add(owner[hits[0]])
    discarded = set(meta[meta.eye_tracking_data_discarded.fillna(False).astype(bool)].subject_id)
    ed = set(lake(lake_dir, "ed", "edstays").subject_id)
    icu = set(lake(lake_dir, "icu", "icustays").subject_id)
    cases = {
        "both": reflacx & eye,
        "reflacx_only_discarded": discarded - eye,
        "eye_only_truncated": truncated - reflacx,
        "no_ed": (reflacx | eye) - ed,
        "no_icu": (reflacx | eye) - icu,
    }
    missing = [name for name, found in cases.items() if not found]
    assert not missing, f"the synthetic release lacks subjects for: {missing}"
    return {name: min(found) for name, found in cases.items()}


def cohort(lake_dir: Path) -> set[int]:
    return set(lake(lake_dir, "reflacx", "metadata").subject_id) | set(
        lake(lake_dir, "eye_gaze", "master_sheet").patient_id
    )


def export_args(db: Path, out: Path, **overrides) -> argparse.Namespace:
    from mimic_mm.export.mimic_eye.cli import add_arguments

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--db", str(db), "--out", str(out)])
    for key, value in overrides.items():
        setattr(args, key, value)
    return args
