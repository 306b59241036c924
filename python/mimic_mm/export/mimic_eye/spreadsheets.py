"""The `spreadsheets/` folder: whole-cohort tables, each streamed from the warehouse into one CSV."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from mimic_mm.export.mimic_eye import layout
from mimic_mm.export.mimic_eye.csvout import write_stream
from mimic_mm.export.mimic_eye.plan import MARTS
from mimic_mm.export.mimic_eye.sql import select_list
from mimic_mm.export.warehouse import relation_columns
from mimic_mm.sql_quote import quote_ident

FOLDER = "spreadsheets"


@dataclass(frozen=True)
class Sheet:
    path: str
    relation: str
    wanted: tuple[str, ...]
    where: str = ""
    order: tuple[str, ...] = ()  # source columns; default: every output column


def sheets() -> list[Sheet]:
    cohort = f"subject_id IN (SELECT subject_id FROM {MARTS['patients']})"
    meta = layout.published("cxr_jpg", "metadata") + layout.CXR_META_EXTRA
    out = [
        Sheet("cxr_meta.csv", MARTS["cxr_meta"], meta),
        Sheet("cxr_meta_with_stay_id_only.csv", MARTS["cxr_meta"], meta, where="stay_id IS NOT NULL"),
        Sheet(
            "Hosp/patients.csv",
            layout.staging("hosp", "patients"),
            layout.published("hosp", "patients"),
            where=cohort,
        ),
        Sheet(
            "ED/triage.csv", layout.staging("ed", "triage"), layout.published("ed", "triage"), where=cohort
        ),
    ]
    for module, folder in (("hosp", "Hosp"), ("icu", "ICU")):
        for table in layout.dictionary_tables(module):
            out.append(
                Sheet(f"{folder}/{table}.csv", layout.staging(module, table), layout.published(module, table))
            )
    for table in ("chexpert", "negbio", "split"):
        out.append(
            Sheet(
                f"CXR-JPG/cxr_{table}.csv",
                layout.staging("cxr_jpg", table),
                layout.published("cxr_jpg", table),
            )
        )
    labels = ("id", "dicom_id", "subject_id", "phase", *layout.REFLACX_TARGET_LABELS)
    out += [
        Sheet(
            "REFLACX/metadata.csv",
            layout.staging("reflacx", "metadata"),
            layout.published("reflacx", "metadata"),
            order=("phase", "id"),
        ),
        Sheet(f"REFLACX/{layout.REFLACX_LABELS_FILE}", MARTS["labels_wide"], labels, order=("id",)),
        Sheet(
            f"EyeGaze/{layout.EYE_GAZE_MASTER_SPREADSHEET}",
            MARTS["master_sheet"],
            layout.published("eye_gaze", "master_sheet"),
            order=("dicom_id",),
        ),
        Sheet(
            "EyeGaze/bounding_boxes.csv",
            layout.staging("eye_gaze", "bounding_boxes"),
            layout.published("eye_gaze", "bounding_boxes"),
        ),
        # The raw-gaze file holds raw gaze (the published notebook wrote fixations there).
        Sheet(
            "EyeGaze/fixations.csv",
            MARTS["fixations"],
            layout.published("eye_gaze", "fixations"),
            order=("row_index",),
        ),
        Sheet(
            "EyeGaze/eye_gaze.csv",
            MARTS["raw_gaze"],
            layout.published("eye_gaze", "eye_gaze"),
            order=("row_index",),
        ),
    ]
    return out


def sheet_sql(con: duckdb.DuckDBPyConnection, sheet: Sheet) -> tuple[str, list[str]]:
    cols = relation_columns(con, sheet.relation)
    items, names = select_list(cols, sheet.wanted, sheet.relation, "t")
    order = [f"t.{quote_ident(c)}" for c in sheet.order] or [str(i) for i in range(1, len(items) + 1)]
    where = f" WHERE {sheet.where}" if sheet.where else ""
    return f"SELECT {', '.join(items)} FROM {sheet.relation} t{where} ORDER BY {', '.join(order)}", names


def write_spreadsheets(
    con: duckdb.DuckDBPyConnection, root: Path, index: bool, batch_size: int
) -> dict[str, int]:
    """Write every sheet under `root` (a temporary folder renamed by the caller); rows per file."""
    rows: dict[str, int] = {}
    for sheet in sheets():
        sql, names = sheet_sql(con, sheet)
        path = root / sheet.path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        reader = con.sql(sql).to_arrow_reader(batch_size)
        rows[sheet.path] = write_stream(path, reader, names, index)
    return rows


__all__ = ["FOLDER", "Sheet", "sheets", "write_spreadsheets"]
