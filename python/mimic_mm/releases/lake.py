"""The lake schema: the catalogue's tables plus the columns and tables the converter adds
(docs/architecture.md section 2), with a description per column. The converter writes exactly this schema and
the dbt sources are generated from it, so the two cannot drift apart."""

from __future__ import annotations

from mimic_mm.releases.catalog import lake_tables

RELEASE_OF_MODULE = {
    "hosp": "MIMIC-IV hosp (1.0 core + hosp)",
    "icu": "MIMIC-IV icu",
    "ed": "MIMIC-IV-ED",
    "note": "MIMIC-IV-Note",
    "cxr_jpg": "MIMIC-CXR-JPG 2.0.0",
    "cxr": "MIMIC-CXR 2.0.0",
    "reflacx": "REFLACX 1.0.0",
    "eye_gaze": "EyeGaze (EGD-CXR) 1.0.0",
}

# Columns the converter adds on top of the published ones (docs/architecture.md section 2), as
# (column, DuckDB type, "first" | "after:<col>" | "last", description).
_ID = ("id", "VARCHAR", "first", "REFLACX case id (the per-case folder name).")
_ROW = ("row_index", "INTEGER", "after:id", "Row order in the source file, from 0.")
EXTRA_COLUMNS: dict[tuple[str, str], list[tuple[str, str, str, str]]] = {
    ("cxr_jpg", "metadata"): [
        (
            "study_datetime",
            "TIMESTAMP",
            "last",
            "StudyDate + zero-padded StudyTime, computed by the converter.",
        )
    ],
    ("reflacx", "metadata"): [
        ("phase", "INTEGER", "after:id", "REFLACX phase (1, 2, 3) of the metadata file.")
    ],
    ("reflacx", "anomaly_location_ellipses"): [
        _ID,
        ("phase", "INTEGER", "after:id", "REFLACX phase of the case."),
        ("ellipse_index", "INTEGER", "after:phase", "Row order of the ellipse in its file, from 0."),
    ],
    ("reflacx", "chest_bounding_box"): [_ID, _ROW],
    ("reflacx", "fixations"): [_ID, _ROW],
    ("reflacx", "timestamps_transcription"): [_ID, _ROW],
    ("reflacx", "gaze"): [_ID, _ROW],
    ("eye_gaze", "eye_gaze"): [("row_index", "BIGINT", "last", "Line order in eye_gaze.csv, from 0.")],
    ("eye_gaze", "fixations"): [("row_index", "BIGINT", "last", "Line order in fixations.csv, from 0.")],
}
# Tables the converter derives from non-tabular files (docs/architecture.md section 2).
_FILE_COLS = [
    ("path", "VARCHAR", "last", "Path relative to the release root."),
    ("abs_path", "VARCHAR", "last", "Absolute path on this machine."),
    ("file_bytes", "BIGINT", "last", "File size in bytes."),
]
EXTRA_TABLES: dict[tuple[str, str], list[tuple[str, str, str, str]]] = {
    ("reflacx", "transcription"): [_ID, ("text", "VARCHAR", "last", "Content of transcription.txt.")],
    ("eye_gaze", "transcript_phrases"): [
        ("dicom_id", "VARCHAR", "last", "Image the transcript belongs to."),
        ("phrase_index", "INTEGER", "last", "Order of the phrase in time_stamped_text, from 0."),
        ("phrase", "VARCHAR", "last", "Phrase text."),
        ("begin_time", "DOUBLE", "last", "Phrase start (seconds)."),
        ("end_time", "DOUBLE", "last", "Phrase end (seconds)."),
    ],
    ("eye_gaze", "transcripts"): [
        ("dicom_id", "VARCHAR", "last", "Image the transcript belongs to."),
        ("full_text", "VARCHAR", "last", "full_text of transcript.json."),
    ],
    ("cxr_jpg", "image_files"): [
        ("subject_id", "INTEGER", "last", "Patient."),
        ("study_id", "INTEGER", "last", "Study."),
        ("dicom_id", "VARCHAR", "last", "Image (file stem)."),
        *_FILE_COLS,
    ],
    ("cxr", "report_files"): [
        ("subject_id", "INTEGER", "last", "Patient."),
        ("study_id", "INTEGER", "last", "Study (file stem)."),
        *_FILE_COLS,
    ],
    ("eye_gaze", "transcript_files"): [
        ("dicom_id", "VARCHAR", "last", "Image folder the file sits in."),
        ("file_name", "VARCHAR", "last", "File name."),
        *_FILE_COLS,
    ],
}


# Modules whose tables are one release CSV file each: the converter numbers their records in file order
# (`ROW_ORDER`), because HAIM's statistics depend on the release file's row order and SQL has no other way to
# reproduce it.
ROW_ORDER_MODULES = ("hosp", "icu", "ed", "note", "cxr_jpg", "cxr")
ROW_ORDER = (
    "row_index",
    "BIGINT",
    "last",
    "Record order in the release file, from 0 (the file's row order; HAIM's statistics depend on it).",
)


def is_row_order(module: str, column: str) -> bool:
    """Whether `column` is the converter's record-order column of a table of `module` (not a published
    column: marts that republish a table's columns leave it out)."""
    return module in ROW_ORDER_MODULES and column == ROW_ORDER[0]


def table_columns(module: str, table: str) -> list[tuple[str, str, str]]:
    """(lake column, DuckDB type, description) of a lake table: catalogue columns + converter extras."""
    if (module, table) in EXTRA_TABLES:
        return [(c, t, d) for c, t, _, d in EXTRA_TABLES[(module, table)]]
    release = RELEASE_OF_MODULE[module]
    cols = [(c, t, f"`{c}` as published in {release} `{table}`.") for c, t in lake_tables()[(module, table)]]
    extras = EXTRA_COLUMNS.get((module, table), [])
    if module in ROW_ORDER_MODULES:
        extras = [*extras, ROW_ORDER]
    for name, type_, where, desc in extras:
        entry = (name, type_, desc)
        if where == "first":
            cols.insert(0, entry)
        elif where == "last":
            cols.append(entry)
        else:
            anchor = [c for c, _, _ in cols].index(where.removeprefix("after:"))
            cols.insert(anchor + 1, entry)
    return cols


def all_tables() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for module, table in sorted(set(lake_tables()) | set(EXTRA_TABLES)):
        out.setdefault(module, []).append(table)
    return out
