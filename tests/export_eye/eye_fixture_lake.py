"""A small lake and warehouse in the contract's format (docs/architecture.md sections 2-3), for the tests.

Used until the real synth → convert → dbt pipeline runs; the tests then read the lake the same way. Subjects
are planted to cover the edge cases of the MIMIC-Eye export:

- BOTH: in REFLACX and EyeGaze, one image before 10:00 inside an ED stay, ICU stay
- REFLACX_ONLY: a discarded REFLACX case (no gaze files), one image missing on disk
- EYE_ONLY: EyeGaze only, its fixations/raw gaze carry a truncated DICOM_ID (repaired in the marts)
- NO_ED: no ED stay at all
- NO_ICU: no ICU stay
- OTHER: in MIMIC-IV and MIMIC-CXR but in neither eye-tracking release (no folder expected)
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

from mimic_mm.releases import REFLACX_TARGETS, SOURCE_OF_MODULE, snake
from mimic_mm.releases.lake import all_tables, table_columns

BOTH, REFLACX_ONLY, EYE_ONLY, NO_ED, NO_ICU, OTHER = (
    10000032,
    10000101,
    10000202,
    10000303,
    10000404,
    10000505,
)
EYE_SUBJECTS = (BOTH, REFLACX_ONLY, EYE_ONLY, NO_ED, NO_ICU)
SUBJECTS = (*EYE_SUBJECTS, OTHER)
IN_REFLACX = {BOTH, REFLACX_ONLY, NO_ED}
IN_EYE_GAZE = {BOTH, EYE_ONLY, NO_ICU}
SOURCES = SOURCE_OF_MODULE


def _value(rng: random.Random, duck_type: str, name: str):
    if duck_type in ("INTEGER", "BIGINT", "SMALLINT"):
        return rng.randint(0, 500)
    if duck_type == "DOUBLE":
        return round(rng.uniform(-5, 500), 3)
    if duck_type == "TIMESTAMP":
        return dt.datetime(2180, 1, 1) + dt.timedelta(seconds=rng.randint(0, 10**8))
    if duck_type == "DATE":
        return dt.date(2180, 1, 1) + dt.timedelta(days=rng.randint(0, 900))
    if duck_type == "BOOLEAN":
        return rng.random() < 0.5
    return rng.choice([f"{name} {rng.randint(0, 99)}", 'text, with "quotes"', "multi\nline", None])


class LakeBuilder:
    def __init__(self, root: Path, seed: int) -> None:
        self.root, self.rng = root, random.Random(seed)
        self.rows: dict[tuple[str, str], list[dict]] = {k: [] for k in self._tables()}

    @staticmethod
    def _tables() -> list[tuple[str, str]]:
        return [(m, t) for m, ts in all_tables().items() for t in ts]

    def row(self, module: str, table: str, **fixed) -> dict:
        row = {c: _value(self.rng, t, c) for c, t, _ in table_columns(module, table)}
        row.update(fixed)
        self.rows[(module, table)].append(row)
        return row

    def write(self) -> None:
        for (module, table), rows in self.rows.items():
            cols = table_columns(module, table)
            schema = pa.schema([(c, _arrow(t)) for c, t, _ in cols])
            data = {c: [r.get(c) for r in rows] for c, _, _ in cols}
            (self.root / "lake" / module).mkdir(parents=True, exist_ok=True)
            pq.write_table(pa.table(data, schema=schema), self.root / "lake" / module / f"{table}.parquet")


def _arrow(duck_type: str) -> pa.DataType:
    return {
        "INTEGER": pa.int32(),
        "BIGINT": pa.int64(),
        "SMALLINT": pa.int16(),
        "DOUBLE": pa.float64(),
        "TIMESTAMP": pa.timestamp("us"),
        "DATE": pa.date32(),
        "BOOLEAN": pa.bool_(),
    }.get(duck_type, pa.string())


def _dicom(rng: random.Random) -> str:
    return "-".join(f"{rng.getrandbits(32):08x}" for _ in range(5))


def build(root: Path, seed: int = 7, copies: int = 1) -> Path:
    """Write `root/lake`, `root/files` (images, reports, audio) and `root/warehouse.duckdb`; return the db.

    `copies` > 1 repeats the six planted subjects under new ids (subject + 1000 * copy), for scale checks.
    """
    b = LakeBuilder(root, seed)
    rng = b.rng
    files = root / "files"
    files.mkdir(parents=True, exist_ok=True)
    for t in ("d_labitems", "d_icd_diagnoses", "d_icd_procedures", "d_hcpcs"):
        for _ in range(3):
            b.row("hosp", t)
    for _ in range(4):
        b.row("icu", "d_items")
    study_seq, stay_seq = 50000000, 30000000
    roles = {base + 1000 * c: base for c in range(copies) for base in SUBJECTS}
    for s, role in sorted(roles.items()):
        b.row("hosp", "patients", subject_id=s)
        stays = []
        if role != NO_ED:
            for _ in range(2):
                stay_seq += 1
                intime = dt.datetime(2180, 5, 6, 7, 0) + dt.timedelta(days=30 * len(stays))
                stays.append((stay_seq, intime, intime + dt.timedelta(hours=6)))
                b.row("ed", "edstays", subject_id=s, stay_id=stay_seq, intime=intime, outtime=stays[-1][2])
        for module, table in b.rows:
            if (
                module in ("hosp", "icu", "ed")
                and table not in ("patients", "edstays")
                and any(c == "subject_id" for c, _, _ in table_columns(module, table))
            ):
                if (module == "ed" and role == NO_ED) or (module == "icu" and role == NO_ICU):
                    continue
                for _ in range(rng.randint(1, 3)):
                    extra = {"stay_id": stays[0][0]} if module == "ed" else {}
                    b.row(module, table, subject_id=s, **extra)
        # Two studies of two images; the first image of each is the one read in REFLACX / EyeGaze.
        for k in range(2):
            study_seq += 1
            when = (
                stays[0][1] + dt.timedelta(hours=2, minutes=5, seconds=56, microseconds=875000)
                if stays and k == 0
                else dt.datetime(2181, 1, 1, 14, 30, 0)
            )
            b.row("cxr_jpg", "chexpert", subject_id=s, study_id=study_seq)
            b.row("cxr_jpg", "negbio", subject_id=s, study_id=study_seq)
            report = files / f"s{study_seq}.txt"
            report.write_text(f"FINDINGS: study {study_seq}\n")
            b.row(
                "cxr",
                "report_files",
                subject_id=s,
                study_id=study_seq,
                path=report.name,
                abs_path=str(report),
                file_bytes=report.stat().st_size,
            )
            for j in range(2):
                dicom = _dicom(rng)
                study_time = float(when.strftime("%H%M%S")) + when.microsecond / 1e6
                b.row(
                    "cxr_jpg",
                    "metadata",
                    dicom_id=dicom,
                    subject_id=s,
                    study_id=study_seq,
                    StudyDate=int(when.strftime("%Y%m%d")),
                    StudyTime=study_time,
                    study_datetime=when,
                    ViewPosition="PA" if j == 0 else "LATERAL",
                )
                b.row("cxr_jpg", "split", dicom_id=dicom, study_id=study_seq, subject_id=s, split="train")
                img = files / f"{dicom}.jpg"
                if not (role == REFLACX_ONLY and k == 1 and j == 1):  # one image missing on disk
                    Image.new("L", (8, 8), color=j * 50).save(img)
                    b.row(
                        "cxr_jpg",
                        "image_files",
                        subject_id=s,
                        study_id=study_seq,
                        dicom_id=dicom,
                        path=img.name,
                        abs_path=str(img),
                        file_bytes=img.stat().st_size,
                    )
                if j == 0:
                    _eye_rows(b, s, role, dicom, study_seq, k, files)
    b.write()
    return _warehouse(root)


def _eye_rows(b: LakeBuilder, s: int, role: int, dicom: str, study: int, k: int, files: Path) -> None:
    rng = b.rng
    if role in IN_REFLACX:
        for n, phase in enumerate((1, 3) if k == 0 else (2,)):
            case = f"P{100 * phase}R{s % 10000:04d}{k}{n}"  # P + 3 digits + R + 6 digits, as REFLACX
            discarded = role == REFLACX_ONLY and k == 1
            b.row(
                "reflacx",
                "metadata",
                id=case,
                phase=phase,
                dicom_id=dicom,
                subject_id=s,
                eye_tracking_data_discarded=discarded,
            )
            for i in range(2):
                b.row("reflacx", "anomaly_location_ellipses", id=case, phase=phase, ellipse_index=i)
            b.row("reflacx", "chest_bounding_box", id=case, row_index=0)
            if not discarded:
                for table in ("fixations", "timestamps_transcription", "gaze"):
                    for i in range(rng.randint(2, 4)):
                        b.row("reflacx", table, id=case, row_index=i)
                b.row("reflacx", "transcription", id=case, text=f"transcript of {case}")
    if role in IN_EYE_GAZE:
        b.row("eye_gaze", "master_sheet", dicom_id=dicom, study_id=study, patient_id=s, stay_id=99)
        for name in ("left_lung", "right_lung"):
            b.row("eye_gaze", "bounding_boxes", dicom_id=dicom, bbox_name=name)
        logged = dicom[:-5] if role == EYE_ONLY else dicom  # EyeGaze's truncated DICOM_ID defect
        for table in ("fixations", "eye_gaze"):
            for _ in range(rng.randint(2, 5)):
                b.row(
                    "eye_gaze",
                    table,
                    SESSION_ID=1,
                    MEDIA_ID=k,
                    DICOM_ID=logged,
                    row_index=len(b.rows[("eye_gaze", table)]),
                )
        b.row("eye_gaze", "transcripts", dicom_id=dicom, full_text="the heart is normal")
        for i in range(2):
            b.row(
                "eye_gaze",
                "transcript_phrases",
                dicom_id=dicom,
                phrase_index=i,
                phrase=f"p{i}",
                begin_time=float(i),
                end_time=i + 0.5,
            )
        audio = files / f"{dicom}_audio.mp3"
        audio.write_bytes(b"ID3fake")
        b.row(
            "eye_gaze",
            "transcript_files",
            dicom_id=dicom,
            file_name="audio.mp3",
            path=audio.name,
            abs_path=str(audio),
            file_bytes=audio.stat().st_size,
        )


def _warehouse(root: Path) -> Path:
    db = root / "warehouse.duckdb"
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    for schema in ("staging", "marts"):
        con.sql(f"CREATE SCHEMA {schema}")
    for module, tables in all_tables().items():
        for table in tables:
            select = ", ".join(f'"{c}" AS "{snake(c)}"' for c, _, _ in table_columns(module, table))
            path = root / "lake" / module / f"{table}.parquet"
            con.sql(
                f"CREATE VIEW staging.stg_{SOURCES[module]}__{table} AS SELECT {select} "
                f"FROM read_parquet('{path}')"
            )
    st = "staging.stg_"
    con.sql(f"""CREATE TABLE marts.mimic_eye_patients AS
        SELECT subject_id, bool_or(r) AS in_reflacx, bool_or(e) AS in_eye_gaze FROM (
          SELECT subject_id, true AS r, false AS e FROM {st}reflacx__metadata
          UNION ALL SELECT patient_id, false, true FROM {st}eye_gaze__master_sheet) GROUP BY 1""")
    meta_cols = [c for c, _, _ in table_columns("cxr_jpg", "metadata") if c != "study_datetime"]
    sel = ", ".join(f'm."{snake(c)}" AS "{c}"' for c in meta_cols)
    con.sql(f"""CREATE TABLE marts.cxr_meta AS
        SELECT {sel}, m.dicom_id IN (SELECT dicom_id FROM {st}eye_gaze__master_sheet) AS in_eye_gaze,
          m.dicom_id IN (SELECT dicom_id FROM {st}reflacx__metadata) AS in_reflacx,
          m.study_datetime AS StudyDateTime,
          (SELECT max(e.stay_id) FROM {st}mimiciv_ed__edstays e WHERE e.subject_id = m.subject_id
             AND e.intime < m.study_datetime AND m.study_datetime < e.outtime) AS stay_id
        FROM {st}mimic_cxr_jpg__metadata m
        WHERE m.dicom_id IN (SELECT dicom_id FROM {st}eye_gaze__master_sheet
                             UNION SELECT dicom_id FROM {st}reflacx__metadata)""")
    ms = ", ".join(
        '(SELECT c.stay_id FROM marts.cxr_meta c WHERE c.dicom_id = m.dicom_id) AS "stay_id"'
        if c == "stay_id"
        else f'm."{snake(c)}" AS "{c}"'
        for c, _, _ in table_columns("eye_gaze", "master_sheet")
    )
    con.sql(f"CREATE TABLE marts.eye_gaze_master_sheet AS SELECT {ms} FROM {st}eye_gaze__master_sheet m")
    for mart, table in (("eye_gaze_fixations", "fixations"), ("eye_gaze_raw", "eye_gaze")):
        cols = ", ".join(
            "coalesce((SELECT min(v.dicom_id) FROM staging.stg_mimic_cxr_jpg__metadata v "
            'WHERE starts_with(v.dicom_id, g.dicom_id)), g.dicom_id) AS "DICOM_ID"'
            if c == "DICOM_ID"
            else f'g."{snake(c)}" AS "{c}"'
            for c, _, _ in table_columns("eye_gaze", table)
        )
        con.sql(f"CREATE TABLE marts.{mart} AS SELECT {cols} FROM {st}eye_gaze__{table} g")
    labels = ", ".join(
        f'r."{snake(t)}" AS "{t}"' if t in ("Other", "Support devices") else f'0 AS "{t}"'
        for t in REFLACX_TARGETS
    )
    con.sql(
        f"CREATE TABLE marts.reflacx_labels_wide AS SELECT r.id, r.dicom_id, r.subject_id, r.phase, {labels} "
        f"FROM {st}reflacx__metadata r"
    )
    # what the lake_lineage model records; this lake has no _manifest.json, so the exporters' check passes
    con.sql(
        f"CREATE TABLE marts.lake_lineage AS SELECT '{root / 'lake'}' AS lake_root, "
        "NULL::VARCHAR AS manifest_sha256, NULL::TIMESTAMPTZ AS lake_updated_at, now() AS built_at"
    )
    con.close()
    return db


@dataclass(frozen=True)
class Release:
    db: Path  # warehouse built over the lake
    lake: Path  # LAKE/<module>/<table>.parquet, read independently by the tests
    raw: Path | None = None  # the generator's raw release (with ground_truth.json), for the real pipeline


def build_release(root: Path) -> Release:
    db = build(root)
    return Release(db=db, lake=root / "lake")
