"""`python -m export verify-eye DIR`: check exported folders against the warehouse marts.

For every patient folder: each CSV has the header and the number of rows the warehouse holds for that subject,
`cxr_meta.csv` carries the marts' stay_id / in_reflacx / in_eye_gaze per image, and every image, report and
transcript the warehouse lists is present (or recorded in the folder's errors file).
"""

from __future__ import annotations

import csv
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from mimic_mm.export.mimic_eye import fingerprint as fp
from mimic_mm.export.mimic_eye import spreadsheets
from mimic_mm.export.mimic_eye.exporter import PATIENT_PREFIX
from mimic_mm.export.mimic_eye.patient import ERRORS_FILE
from mimic_mm.export.mimic_eye.plan import MARTS, build_plan
from mimic_mm.export.mimic_eye.sql import SUBJECTS

log = logging.getLogger(__name__)

# Streams whose rows become files rather than CSV rows: (key, relative path pattern of one row).
FILE_STREAMS = {"images": "CXR-JPG", "reports": "CXR-DICOM"}
CXR_META_CHECKED = ("stay_id", "in_reflacx", "in_eye_gaze")


@dataclass
class VerifyResult:
    patients: int = 0
    files_checked: int = 0
    problems: list[str] = field(default_factory=list)

    def fail(self, subject: int | str, what: str) -> None:
        where = f"patient {subject}" if isinstance(subject, int) else str(subject)
        self.problems.append(f"{where}: {what}")


def _read(path: Path) -> pa.Table:
    # Every column as text: the check compares identifiers and counts, not typed values.
    with open(path, "rb") as fh:
        header = next(csv.reader([fh.readline().decode()]))
    types = {name: pa.string() for name in header}
    return pacsv.read_csv(
        path,
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True),
    )


def _rows(path: Path, result: VerifyResult, subject: int | str) -> int | None:
    try:
        return _read(path).num_rows
    except (pa.ArrowInvalid, StopIteration, UnicodeDecodeError):
        result.fail(subject, f"{path.name} is not a readable CSV")
        return None


def _header(path: Path) -> list[str]:
    with open(path, encoding="utf-8", newline="") as fh:
        return next(csv.reader(fh))


def _expected_counts(con: duckdb.DuckDBPyConnection, sql: str) -> dict[int, int]:
    return dict(con.sql(f"SELECT subject_id, count(*) FROM ({sql}) GROUP BY 1").fetchall())


def _check_marker(folder: Path, warehouse: dict, result: VerifyResult, who: int | str) -> None:
    """A folder counts as complete only with its completion marker, written from this warehouse."""
    doc = fp.read_json(folder / fp.MARKER)
    if doc is None:
        result.fail(who, f"{folder.name} has no completion marker ({fp.MARKER}): it is incomplete")
    elif doc.get("settings", {}).get("warehouse") != warehouse:
        result.fail(who, f"{folder.name} was written from another warehouse (or the warehouse was rebuilt)")


def verify_spreadsheets(
    con: duckdb.DuckDBPyConnection, root: Path, warehouse: dict, result: VerifyResult
) -> None:
    """Every sheet present, with the published header and the warehouse's row count."""
    folder = root / spreadsheets.FOLDER
    if not folder.is_dir():
        log.info("%s has no %s/ folder (exported with --no-spreadsheets?)", root, spreadsheets.FOLDER)
        return
    _check_marker(folder, warehouse, result, spreadsheets.FOLDER)
    for sheet in spreadsheets.sheets():
        path = folder / sheet.path
        if not path.is_file():
            result.fail(spreadsheets.FOLDER, f"{sheet.path} missing")
            continue
        sql, names = spreadsheets.sheet_sql(con, sheet)
        header = _header(path)
        if (header[1:] if header[:1] == [""] else header) != names:
            result.fail(spreadsheets.FOLDER, f"{sheet.path} header differs from the published columns")
        got = _rows(path, result, spreadsheets.FOLDER)
        want = con.execute(f"SELECT count(*) FROM ({sql})").fetchall()[0][0]
        result.files_checked += 1
        if got is not None and got != want:
            result.fail(spreadsheets.FOLDER, f"{sheet.path}: {got} rows, warehouse has {want}")


def verify_export(con: duckdb.DuckDBPyConnection, root: Path, db: Path | None = None) -> VerifyResult:
    result = VerifyResult()
    warehouse = fp.warehouse_identity(db) if db is not None else None
    folders = {
        int(p.name.removeprefix(PATIENT_PREFIX)): p for p in root.glob(f"{PATIENT_PREFIX}*") if p.is_dir()
    }
    cohort = {r[0] for r in con.sql(f"SELECT subject_id FROM {MARTS['patients']}").fetchall()}
    for s in sorted(set(folders) - cohort):
        result.fail(s, "folder for a subject not in REFLACX or EyeGaze")
    subjects = sorted(set(folders) & cohort)
    result.patients = len(subjects)
    if warehouse is not None:
        for s in subjects:
            _check_marker(folders[s], warehouse, result, s)
        verify_spreadsheets(con, root, warehouse, result)
    con.register(SUBJECTS, pa.table({"subject_id": pa.array(subjects, pa.int64())}))
    plan = build_plan(con)
    errors = {s: _errors(folders[s]) for s in subjects}
    for spec in plan.files:
        expected = _expected_counts(con, plan.streams[spec.key])
        for s in subjects:
            folder = folders[s]
            got: int | None
            if spec.per_case:
                found = sorted(folder.glob(spec.path.format(id="*")))
                got = sum(_rows(p, result, s) or 0 for p in found)
            else:
                path = folder / spec.path
                if not path.exists():
                    if expected.get(s, 0):
                        result.fail(s, f"{spec.path} missing ({expected[s]} rows expected)")
                    continue
                found = [path]
                header = _header(path)
                if [h for h in header if h] != list(spec.columns):
                    result.fail(s, f"{spec.path} header differs from the published columns")
                got = _rows(path, result, s)
                if got is None:
                    continue
            result.files_checked += len(found)
            if got != expected.get(s, 0):
                result.fail(s, f"{spec.path}: {got} rows, warehouse has {expected.get(s, 0)}")
    for key, sub in FILE_STREAMS.items():
        rows = con.sql(f"SELECT subject_id, count(*) FROM ({plan.streams[key]}) GROUP BY 1").fetchall()
        for s, n in rows:
            got = sum(1 for p in (folders[s] / sub).rglob("*") if p.suffix in (".jpg", ".txt"))
            missing = sum(
                1 for e in errors[s] if e["kind"].startswith("missing") and e["file"].startswith(sub)
            )
            result.files_checked += got
            if got + missing != n:
                result.fail(s, f"{sub}: {got} files + {missing} recorded missing, warehouse lists {n}")
    _check_cxr_meta(con, folders, subjects, result)
    return result


def _errors(folder: Path) -> list[dict[str, str]]:
    path = folder / ERRORS_FILE
    if not path.exists():
        return []
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _check_cxr_meta(
    con: duckdb.DuckDBPyConnection, folders: dict[int, Path], subjects: list[int], result: VerifyResult
) -> None:
    """stay_id / in_reflacx / in_eye_gaze of every selected image, compared as text with the mart."""
    cols = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in CXR_META_CHECKED)
    want: dict[int, dict[str, tuple]] = defaultdict(dict)
    sql = (
        f"SELECT subject_id, dicom_id, {cols} FROM {MARTS['cxr_meta']} "
        f"WHERE subject_id IN (SELECT subject_id FROM {SUBJECTS})"
    )
    for s, dicom, *vals in con.sql(sql).fetchall():
        want[s][dicom] = tuple(_norm(v) for v in vals)
    for s in subjects:
        path = folders[s] / "CXR-JPG" / "cxr_meta.csv"
        if not path.exists():
            continue
        table = _read(path)
        got = {
            d: tuple(_norm(v) for v in vals)
            for d, *vals in zip(
                *(table.column(c).to_pylist() for c in ("dicom_id", *CXR_META_CHECKED)), strict=True
            )
        }
        if got != want.get(s, {}):
            bad = Counter(d for d in set(got) | set(want.get(s, {})) if got.get(d) != want[s].get(d))
            result.fail(s, f"cxr_meta.csv differs from marts.cxr_meta for {len(bad)} image(s)")


def _norm(value: object) -> str:
    """true/True/1 and 31234567/31234567.0 spell the same value."""
    if value is None or value == "":
        return ""
    text = str(value)
    if text.lower() in ("true", "false"):
        return text.lower()
    return text.removesuffix(".0")
