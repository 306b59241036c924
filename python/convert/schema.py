"""The lake schema: `releases.lake_tables()` plus the converter's extra columns and tables (see
docs/architecture.md section 2)."""

from __future__ import annotations

from functools import cache

from releases import ReleaseTable, lake_tables
from releases.catalog import RENAMES, _lake_table_name

Schema = list[tuple[str, str]]

# Tables the converter builds from files that are not CSV tables of the catalogue.
EXTRA_TABLES: dict[tuple[str, str], Schema] = {
    ("reflacx", "transcription"): [("id", "VARCHAR"), ("text", "VARCHAR")],
    ("eye_gaze", "transcripts"): [("dicom_id", "VARCHAR"), ("full_text", "VARCHAR")],
    ("eye_gaze", "transcript_phrases"): [
        ("dicom_id", "VARCHAR"),
        ("phrase_index", "INTEGER"),
        ("phrase", "VARCHAR"),
        ("begin_time", "DOUBLE"),
        ("end_time", "DOUBLE"),
    ],
    ("cxr_jpg", "image_files"): [
        ("subject_id", "INTEGER"),
        ("study_id", "INTEGER"),
        ("dicom_id", "VARCHAR"),
        ("path", "VARCHAR"),
        ("abs_path", "VARCHAR"),
        ("file_bytes", "BIGINT"),
    ],
    ("cxr", "report_files"): [
        ("subject_id", "INTEGER"),
        ("study_id", "INTEGER"),
        ("path", "VARCHAR"),
        ("abs_path", "VARCHAR"),
        ("file_bytes", "BIGINT"),
    ],
    ("eye_gaze", "transcript_files"): [
        ("dicom_id", "VARCHAR"),
        ("file_name", "VARCHAR"),
        ("path", "VARCHAR"),
        ("abs_path", "VARCHAR"),
        ("file_bytes", "BIGINT"),
    ],
}

# Extra columns of catalogue tables: (module, table) -> (columns placed first, columns placed last).
_ID_ROW: tuple[Schema, Schema] = ([("id", "VARCHAR"), ("row_index", "INTEGER")], [])
EXTRA_COLUMNS: dict[tuple[str, str], tuple[Schema, Schema]] = {
    ("cxr_jpg", "metadata"): ([], [("study_datetime", "TIMESTAMP")]),
    ("reflacx", "anomaly_location_ellipses"): (
        [("id", "VARCHAR"), ("phase", "INTEGER"), ("ellipse_index", "INTEGER")],
        [],
    ),
    ("reflacx", "chest_bounding_box"): _ID_ROW,
    ("reflacx", "fixations"): _ID_ROW,
    ("reflacx", "timestamps_transcription"): _ID_ROW,
    ("reflacx", "gaze"): _ID_ROW,
    ("eye_gaze", "eye_gaze"): ([], [("row_index", "BIGINT")]),
    ("eye_gaze", "fixations"): ([], [("row_index", "BIGINT")]),
}


@cache
def lake_schema(module: str, table: str) -> Schema:
    """Every column of a lake table, in order, with its DuckDB type."""
    if (module, table) in EXTRA_TABLES:
        return EXTRA_TABLES[(module, table)]
    cols = list(lake_tables()[(module, table)])
    first, last = EXTRA_COLUMNS.get((module, table), ([], []))
    if (module, table) == ("reflacx", "metadata"):
        # `phase` is the first column after `id`.
        return [cols[0], ("phase", "INTEGER"), *cols[1:]]
    return [*first, *cols, *last]


def all_lake_tables() -> list[tuple[str, str]]:
    return sorted([*lake_tables(), *EXTRA_TABLES])


def lake_key(rt: ReleaseTable) -> tuple[str, str]:
    """The lake table a release table lands in (REFLACX phase files merge)."""
    return rt.module, _lake_table_name(rt)


def lake_column(rt: ReleaseTable, raw_name: str) -> str:
    """The lake name of a raw column: MIMIC names lower-cased, renamed columns under their new name."""
    name = RENAMES.get((rt.table, raw_name), raw_name)
    return name.lower() if rt.release.startswith("mimic-iv") else name
