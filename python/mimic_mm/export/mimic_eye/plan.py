"""The per-subject streams of a MIMIC-Eye export: one SQL query per table, each ordered by subject.

The plan is built once from the warehouse's column lists (so a missing relation or column fails before any
folder is written) and handed to the workers as plain strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from mimic_mm.export.mimic_eye import layout
from mimic_mm.export.mimic_eye.layout import FileSpec
from mimic_mm.export.mimic_eye.sql import ContractError, resolve, select_list, subject_query
from mimic_mm.export.relations import MIMIC_EYE_MARTS
from mimic_mm.export.warehouse import relation_columns
from mimic_mm.releases import release_tables
from mimic_mm.sql_quote import quote_ident

MARTS = MIMIC_EYE_MARTS
# REFLACX per-case tables (lake tables keyed by `id`) and the column keeping the file's row order.
REFLACX_CASE_TABLES = {
    "anomaly_location_ellipses": "ellipse_index",
    "chest_bounding_box": "row_index",
    "fixations": "row_index",
    "timestamps_transcription": "row_index",
    "gaze": "row_index",
}
EYE_GAZE_MASTER_PATIENT = "patient_id"  # the master sheet's subject column


@dataclass
class Plan:
    streams: dict[str, str] = field(default_factory=dict)  # key -> SQL with a subject_id column
    files: list[FileSpec] = field(default_factory=list)  # CSV outputs of the streams
    # stream key -> the inventory relation its files come from (their release root is checked per file)
    inventories: dict[str, str] = field(default_factory=dict)

    def add(self, key: str, sql: str, spec: FileSpec | None = None) -> None:
        self.streams[key] = sql
        if spec is not None:
            self.files.append(spec)


def _table_stream(
    plan: Plan,
    con: duckdb.DuckDBPyConnection,
    key: str,
    relation: str,
    wanted: tuple[str, ...],
    path: str,
    index: bool,
    subject_col: str = "subject_id",
) -> None:
    """A CSV holding all of a subject's rows of one relation, in published column names."""
    cols = relation_columns(con, relation)
    items, names = select_list(cols, wanted, relation, "t")
    sql = subject_query(items, names, f"{relation} t", f"t.{quote_ident(subject_col)}")
    plan.add(key, sql, FileSpec(key, path, tuple(names), index))


def build_plan(con: duckdb.DuckDBPyConnection) -> Plan:
    plan = Plan()
    for module, table in layout.clinical_tables():
        relation = layout.staging(module, table)
        path = f"{layout.CLINICAL_FOLDERS[module]}/{table}.csv"
        _table_stream(plan, con, f"{module}.{table}", relation, layout.published(module, table), path, True)
    _cxr(plan, con)
    _reflacx(plan, con)
    _eye_gaze(plan, con)
    return plan


def _cxr(plan: Plan, con: duckdb.DuckDBPyConnection) -> None:
    meta_cols = layout.published("cxr_jpg", "metadata") + layout.CXR_META_EXTRA
    _table_stream(plan, con, "cxr_meta", MARTS["cxr_meta"], meta_cols, "CXR-JPG/cxr_meta.csv", True)
    for table in ("chexpert", "negbio", "split"):
        relation = layout.staging("cxr_jpg", table)
        wanted = layout.published("cxr_jpg", table)
        _table_stream(plan, con, f"cxr_{table}", relation, wanted, f"CXR-JPG/cxr_{table}.csv", True)
    # Every image of each study that holds a selected image; a left join keeps images missing on disk.
    studies = (
        f"(SELECT DISTINCT subject_id, study_id FROM {MARTS['cxr_meta']} "
        f"WHERE subject_id IN (SELECT subject_id FROM _eye_subjects))"
    )
    meta = layout.staging("cxr_jpg", "metadata")
    files = layout.staging("cxr_jpg", "image_files")
    for rel in (meta, files):
        relation_columns(con, rel)
    plan.add(
        "images",
        f"SELECT m.subject_id, m.study_id, m.dicom_id, f.path AS rel_path, f.abs_path FROM {meta} m "
        f"JOIN {studies} s ON m.subject_id = s.subject_id AND m.study_id = s.study_id "
        f"LEFT JOIN {files} f ON f.dicom_id = m.dicom_id ORDER BY m.subject_id, m.study_id, m.dicom_id",
    )
    reports = layout.staging("cxr", "report_files")
    relation_columns(con, reports)
    plan.inventories.update(images=files, reports=reports)
    plan.add(
        "reports",
        f"SELECT s.subject_id, s.study_id, r.path AS rel_path, r.abs_path "
        f"FROM {studies} s LEFT JOIN {reports} r ON r.subject_id = s.subject_id AND r.study_id = s.study_id "
        "ORDER BY s.subject_id, s.study_id",
    )


def _reflacx(plan: Plan, con: duckdb.DuckDBPyConnection) -> None:
    meta = layout.staging("reflacx", "metadata")
    _table_stream(
        plan,
        con,
        "reflacx_metadata",
        meta,
        layout.published("reflacx", "metadata"),
        "REFLACX/metadata.csv",
        True,
    )
    labels_cols = ("id", "dicom_id", "subject_id", "phase", *layout.REFLACX_TARGET_LABELS)
    _table_stream(
        plan,
        con,
        "reflacx_labels",
        MARTS["labels_wide"],
        labels_cols,
        f"REFLACX/{layout.REFLACX_LABELS_FILE}",
        True,
    )
    catalogue = release_tables(layout.REFLACX_RELEASE)
    meta_cols = relation_columns(con, meta)
    for name in ("id", "phase", "subject_id"):
        if name not in meta_cols:
            raise ContractError(f"{meta} has no column {name!r}")
    for table, order_col in REFLACX_CASE_TABLES.items():
        relation = layout.staging("reflacx", table)
        cols = relation_columns(con, relation)
        wanted = layout.published("reflacx", table)
        items, names = select_list(cols, wanted, relation, "t")
        sql = subject_query(
            ["t.id AS id", "m.phase AS phase", *items],
            ["id", "phase", *names],
            f"{relation} t JOIN {meta} m ON m.id = t.id",
            "m.subject_id",
            order=["t.id", f"t.{quote_ident(order_col)}"],
        )
        path = "REFLACX/" + _case_path(catalogue, table)
        plan.add(f"reflacx.{table}", sql, FileSpec(f"reflacx.{table}", path, tuple(names), False, True))
    text = layout.staging("reflacx", "transcription")
    relation_columns(con, text)
    plan.add(
        "reflacx.transcription",
        subject_query(
            ["t.id AS id", "t.text AS text"],
            ["id", "text"],
            f"{text} t JOIN {meta} m ON m.id = t.id",
            "m.subject_id",
            order=["t.id"],
        ),
    )


def _case_path(catalogue: dict, table: str) -> str:
    """Per-case file location from the catalogue; the merged ellipses table is published per phase."""
    if table in catalogue:
        return str(catalogue[table].path)
    return next(str(rt.path) for name, rt in catalogue.items() if name.startswith(f"{table}_phase_"))


def _eye_gaze(plan: Plan, con: duckdb.DuckDBPyConnection) -> None:
    master = MARTS["master_sheet"]
    master_cols = relation_columns(con, master)
    wanted = layout.published("eye_gaze", "master_sheet")
    _table_stream(
        plan,
        con,
        "eg_master",
        master,
        wanted,
        "EyeGaze/master_sheet.csv",
        True,
        subject_col=EYE_GAZE_MASTER_PATIENT,
    )
    # Rows keyed by an image are the patient's when the master sheet lists that image for them.
    pid = quote_ident(next(c for c in (EYE_GAZE_MASTER_PATIENT, "subject_id") if c in master_cols))
    owner = f"(SELECT DISTINCT dicom_id, {pid} AS subject_id FROM {master})"
    sources = {
        "eg_bboxes": (layout.staging("eye_gaze", "bounding_boxes"), "bounding_boxes", "dicom_id", None),
        "eg_fixations": (MARTS["fixations"], "fixations", "DICOM_ID", "row_index"),
        "eg_raw": (MARTS["raw_gaze"], "eye_gaze", "DICOM_ID", "row_index"),
    }
    for key, (relation, table, dicom_col, order_col) in sources.items():
        cols = relation_columns(con, relation)
        items, names = select_list(cols, layout.published("eye_gaze", table), relation, "t")
        from_clause = (
            f"{relation} t JOIN {owner} o ON o.dicom_id = t.{quote_ident(resolve(cols, dicom_col, relation))}"
        )
        order = [f"t.{quote_ident(order_col)}"] if order_col else None
        sql = subject_query(items, names, from_clause, "o.subject_id", order=order)
        plan.add(key, sql, FileSpec(key, f"EyeGaze/{table}.csv", tuple(names), True))
    phrases = layout.staging("eye_gaze", "transcript_phrases")
    transcripts = layout.staging("eye_gaze", "transcripts")
    tfiles = layout.staging("eye_gaze", "transcript_files")
    for rel in (phrases, transcripts, tfiles):
        relation_columns(con, rel)
    plan.add(
        "eg_transcripts",
        f"SELECT o.subject_id, t.dicom_id, t.full_text, p.phrase_index, p.phrase, p.begin_time, p.end_time "
        f"FROM {transcripts} t JOIN {owner} o ON o.dicom_id = t.dicom_id "
        f"LEFT JOIN {phrases} p ON p.dicom_id = t.dicom_id "
        f"WHERE o.subject_id IN (SELECT subject_id FROM _eye_subjects) "
        f"ORDER BY o.subject_id, t.dicom_id, p.phrase_index",
    )
    plan.inventories["eg_transcript_files"] = tfiles
    plan.add(
        "eg_transcript_files",
        f"SELECT o.subject_id, f.dicom_id, f.file_name, f.path AS rel_path, f.abs_path FROM {tfiles} f "
        f"JOIN {owner} o ON o.dicom_id = f.dicom_id "
        f"WHERE o.subject_id IN (SELECT subject_id FROM _eye_subjects) AND f.file_name <> 'transcript.json' "
        f"ORDER BY o.subject_id, f.dicom_id, f.file_name",
    )


def release_roots(con: duckdb.DuckDBPyConnection, plan: Plan) -> dict[str, str]:
    """Stream key -> the release root of its inventory: the folder `abs_path` minus `path` names for most
    rows (the converter writes `abs_path = root/path`). A row naming another root is refused when placed."""
    roots: dict[str, str] = {}
    for key, relation in plan.inventories.items():
        row = con.execute(
            f"SELECT abs_path[:length(abs_path) - length(path)] AS root FROM {relation} "
            "WHERE suffix(abs_path, path) GROUP BY root ORDER BY count(*) DESC, root LIMIT 1"
        ).fetchall()  # fetchall: a half-read result would block the connection (DuckDB 2)
        roots[key] = row[0][0] if row else ""
    return roots
