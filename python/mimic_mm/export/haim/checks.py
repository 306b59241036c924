"""`python -m export verify DIR` for HAIM folders: re-open pickles and check them against the marts.

Expected row counts are computed in SQL, independently of the exporter's pandas selection: one grouped query
per relation over the checked samples, with the level and window rules of attributes.tsv.
"""

from __future__ import annotations

import csv
import json
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from mimic_mm.export import relations
from mimic_mm.export.haim.exporter import (
    CHECKSUMS_FILE,
    COHORTS,
    ERROR_COLUMNS,
    MANIFEST,
    errors_path,
    file_sha256,
    read_checksums,
    read_samples,
)
from mimic_mm.export.haim.release_columns import converted_releases, expected_columns
from mimic_mm.export.haim.spec import CXR_PRIVATE, Attribute, attributes
from mimic_mm.export.progress import progress_bar
from mimic_mm.export.warehouse import relation_columns
from mimic_mm.haim_patient import ATTRIBUTES, IMAGE_SHAPE, KEY_FILE, read_key_ids, safe_load, sample_path
from mimic_mm.sql_quote import quote_ident

CHECKED = "haim_verify_samples"
PICKLE_NAME = re.compile(r"^(\d{8})\.pkl$")


@dataclass
class VerifyResult:
    checked: int = 0
    key_rows: int = 0
    missing: int = 0
    checksums_ok: int = 0
    listed_errors: int = 0  # rows of haim_errors.csv (missing/unreadable images, reported, not problems)
    problems: list[str] = field(default_factory=list)


def _window_sql(attr: Attribute, manifest: dict) -> str:
    if not attr.time or (manifest.get("start_hour") is None and manifest.get("end_hour") is None):
        return ""
    t = f"CAST(t.{quote_ident(attr.time)} AS TIMESTAMP)"
    out = f" AND {t} IS NOT NULL"
    for key, op in (("start_hour", ">="), ("end_hour", "<=")):
        if manifest.get(key) is not None:
            micros = round(float(manifest[key]) * 3_600_000_000)
            out += f" AND {t} {op} a.admittime + to_microseconds({micros})"
    return out


def expected_counts(con: duckdb.DuckDBPyConnection, manifest: dict) -> dict[str, dict[int, int]]:
    """attribute → haim_id → row count, for the samples registered as CHECKED."""
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for attr in attributes():
        if attr.kind != "table":
            continue
        for rel in attr.relations:
            cond = ["t.subject_id = s.subject_id"]
            if attr.level in ("hadm", "stay_time"):
                cond.append("t.hadm_id = s.hadm_id")
            if attr.level == "stay":
                cond.append("t.stay_id = s.stay_id")
            if attr.level == "stay_time":
                tt = f"CAST(t.{quote_ident(attr.time)} AS TIMESTAMP)"
                cond.append(f"{tt} BETWEEN i.intime AND i.outtime")
            sql = f"""
                SELECT s.haim_id, count(t.subject_id)
                FROM {CHECKED} AS s
                LEFT JOIN {relations.ADMISSIONS} AS a ON a.hadm_id = s.hadm_id
                LEFT JOIN {relations.ICUSTAYS} AS i ON i.stay_id = s.stay_id
                LEFT JOIN {rel} AS t ON {" AND ".join(cond)}{_window_sql(attr, manifest)}
                GROUP BY s.haim_id"""
            for haim_id, n in con.sql(sql).fetchall():
                counts[attr.name][haim_id] = counts[attr.name].get(haim_id, 0) + n
    return counts


def expected_frame_columns(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """attribute → columns a sample must have: SPEC's rule for the converted release, then the documented
    project columns (core: the codes relation's columns core lacks; others: attributes.tsv `project`). Empty
    when the lake manifest cannot tell the release."""
    releases = converted_releases(con)
    if "mimic-iv" not in releases:
        return {}
    defaults = {"mimic-iv-note": "mimic-iv-note-2.2", "mimic-cxr-jpg": "mimic-cxr-jpg-2.0.0"}
    note, jpg = (releases.get(k, v) for k, v in defaults.items())
    cols = expected_columns(releases["mimic-iv"], note, jpg)
    for a in attributes():
        if a.kind == "core":
            cols[a.name] += [c for c in relation_columns(con, a.relations[0]) if c not in cols[a.name]]
        if a.name in cols:
            cols[a.name] += list(a.project)
    return cols


def _listed_files(root: Path) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for path in sorted((root / "pickle").glob("*/*")):
        m = PICKLE_NAME.match(path.name)
        if m:
            found[int(m.group(1))] = path
    return found


def _read_errors(root: Path) -> set[tuple[int, str]]:
    out: set[tuple[int, str]] = set()
    for path in root.glob("haim_errors*.csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            out |= {(int(r["haim_id"]), r["dicom_id"]) for r in csv.DictReader(fh)}
    return out


def verify_export(
    con: duckdb.DuckDBPyConnection, root: Path, sample: int | None = None, seed: int = 0
) -> VerifyResult:
    res = VerifyResult()
    problems = res.problems
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        problems.append(f"{manifest_path} is missing")
        return res
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    cohort = manifest.get("cohort", "default")
    if cohort not in COHORTS:
        problems.append(f"{manifest_path}: unknown cohort {cohort!r}")
        return res
    samples = read_samples(con, cohort)
    try:
        key = pd.DataFrame(list(read_key_ids(root)), columns=list(ERROR_COLUMNS[:4]), dtype="int64")
    except (OSError, ValueError, KeyError) as exc:
        problems.append(f"{root / KEY_FILE}: unreadable ({exc})")
        return res
    res.key_rows = len(key)
    if not key.equals(samples):
        problems.append(
            f"{root / KEY_FILE} differs from {COHORTS[cohort]} ({len(key)} vs {len(samples)} rows)"
        )
    files = _listed_files(root)
    known = set(key["haim_id"])
    for haim_id, path in files.items():
        if haim_id not in known:
            problems.append(f"{path}: haim_id {haim_id} is not in {KEY_FILE}")
        elif path != sample_path(root, haim_id):
            problems.append(f"{path}: should be {sample_path(root, haim_id)}")
    res.missing = len(known - set(files))
    present = key[key["haim_id"].isin(set(files))]
    if sample is not None and sample < len(present):
        present = present.iloc[sorted(random.Random(seed).sample(range(len(present)), sample))]
    res.checksums_ok = check_checksums(root, files, [int(h) for h in present["haim_id"]], problems)
    con.register(CHECKED, pa.Table.from_pandas(present, preserve_index=False))
    expected = expected_counts(con, manifest)
    cxr_ids = _cxr_order(con)
    image_errors = _read_errors(root)
    columns = expected_frame_columns(con)
    res.listed_errors = len(image_errors)
    for row in progress_bar(list(present.itertuples(index=False)), desc="verify", unit="pickle"):
        res.checked += 1
        problems += check_pickle(root, row, expected, cxr_ids, manifest, image_errors, columns)
    return res


def check_checksums(root: Path, files: dict[int, Path], checked: list[int], problems: list[str]) -> int:
    """Compare the `checked` pickles with the checksums recorded when they were written (catches damage
    anywhere in a file, which loading may not); a recorded pickle that is gone is a problem too. Returns how
    many matched."""
    path = root / CHECKSUMS_FILE
    if not path.is_file():
        problems.append(f"{path} is missing: re-run the export to record the pickles' checksums")
        return 0
    try:
        recorded = read_checksums(root)
    except ValueError as exc:
        problems.append(str(exc))
        return 0
    for haim_id in sorted(set(recorded) - set(files)):
        problems.append(f"{sample_path(root, haim_id)}: listed in {CHECKSUMS_FILE} but missing")
    ok = 0
    for haim_id in checked:
        digest = recorded.get(haim_id)
        if digest is None:
            problems.append(
                f"{files[haim_id]}: no checksum in {CHECKSUMS_FILE} (left by an interrupted run?); "
                "re-run the export"
            )
        elif file_sha256(files[haim_id]) != digest:
            problems.append(f"{files[haim_id]}: bytes differ from the checksum recorded when it was written")
        else:
            ok += 1
    return ok


def _cxr_order(con: duckdb.DuckDBPyConnection) -> dict[int, list[str]]:
    """subject → dicom_ids of the cxr mart in export order (cxrtime, dicom_id)."""
    sql = (
        "SELECT c.subject_id, list(c.dicom_id ORDER BY c.cxrtime NULLS LAST, c.dicom_id) "
        f"FROM {relations.HAIM_CXR} c WHERE c.subject_id IN (SELECT subject_id FROM {CHECKED}) GROUP BY 1"
    )
    return {sid: ids for sid, ids in con.sql(sql).fetchall()}


def check_pickle(
    root: Path,
    row: tuple,
    expected: dict[str, dict[int, int]],
    cxr_ids: dict[int, list[str]],
    manifest: dict,
    image_errors: set[tuple[int, str]],
    columns: dict[str, list[str]] | None = None,
) -> list[str]:
    haim_id, subject_id, hadm_id, stay_id = (int(x) for x in row)
    path = sample_path(root, haim_id)
    patient: Any  # attributes are set from ATTRIBUTES, not declared on the class
    try:
        with open(path, "rb") as fh:
            patient = safe_load(fh)
    except Exception as exc:  # any failure to load is a finding, not a crash
        return [f"{path}: cannot be loaded ({type(exc).__name__}: {exc})"]
    out: list[str] = []
    names = list(vars(patient))
    if names != list(ATTRIBUTES):
        return [f"{path}: attributes {names} differ from the 29 Patient_ICU attributes in order"]
    for attr in attributes():
        value = getattr(patient, attr.name)
        if attr.kind == "images":
            continue
        if not isinstance(value, pd.DataFrame):
            out.append(f"{path}: {attr.name} is a {type(value).__name__}, not a DataFrame")
            continue
        if attr.kind == "table" and len(value) != expected[attr.name].get(haim_id, 0):
            out.append(
                f"{path}: {attr.name} has {len(value)} rows, the marts give {expected[attr.name][haim_id]}"
            )
        if columns and attr.name in columns and list(value.columns) != columns[attr.name]:
            out.append(f"{path}: {attr.name} columns differ from the reference's rule (see the README)")
        if attr.kind == "empty" and len(value):
            out.append(f"{path}: {attr.name} should be empty")
        if any(isinstance(t, pd.StringDtype) for t in value.dtypes):
            out.append(f"{path}: {attr.name} uses pandas str dtype (pandas 2.2 cannot load it)")
    icu = patient.icustays
    if len(icu) != 1 or (
        int(icu["subject_id"].iloc[0]),
        int(icu["hadm_id"].iloc[0]),
        int(icu["stay_id"].iloc[0]),
    ) != (
        subject_id,
        hadm_id,
        stay_id,
    ):
        out.append(f"{path}: icustays does not hold exactly the stay ({subject_id}, {hadm_id}, {stay_id})")
    if any(c in patient.cxr.columns for c in CXR_PRIVATE):
        out.append(f"{path}: cxr carries exporter-only columns")
    windowed = manifest.get("start_hour") is not None or manifest.get("end_hour") is not None
    dicoms = list(patient.cxr["dicom_id"])
    if not windowed and dicoms != cxr_ids.get(subject_id, []):
        out.append(f"{path}: cxr rows are not the subject's images in (cxrtime, dicom_id) order")
    imcxr = patient.imcxr
    if not manifest.get("images", True):
        if imcxr != []:
            out.append(f"{path}: imcxr should be empty (exported with --no-images)")
        return out
    if len(imcxr) != len(dicoms):
        out.append(f"{path}: imcxr has {len(imcxr)} images for {len(dicoms)} cxr rows")
        return out
    for dicom_id, img in zip(dicoms, imcxr, strict=True):
        if img is None:
            if (haim_id, str(dicom_id)) not in image_errors:
                out.append(
                    f"{path}: image {dicom_id} is missing and not listed in {errors_path(root, None).name}"
                )
        elif not (isinstance(img, np.ndarray) and img.shape == IMAGE_SHAPE and img.dtype == np.uint8):
            out.append(f"{path}: image {dicom_id} is not a 224×224 uint8 array")
    return out
