"""MIMIC-CXR-JPG 2.0.0 (label/metadata tables, JPEGs) and MIMIC-CXR 2.0.0 (record/study lists, reports)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa

from mimic_mm.releases import ReleaseTable
from mimic_mm.synth import images, plants
from mimic_mm.synth.csvio import write_bytes
from mimic_mm.synth.oracle import study_time_text
from mimic_mm.synth.rng import stream
from mimic_mm.synth.skeleton import Universe

VIEW_MEANING = {
    "PA": "postero-anterior",
    "AP": "antero-posterior",
    "LATERAL": "lateral",
    "LL": "left lateral",
}
PROCEDURE = {"PA": "CHEST (PA AND LAT)", "AP": "CHEST (PORTABLE AP)"}
LABEL_VALUES = np.array(["1.0", "0.0", "-1.0", None], dtype=object)
FINDINGS = [
    "No acute cardiopulmonary process.",
    "Small left pleural effusion.",
    "Mild pulmonary edema.",
    "Right lower lobe opacity concerning for pneumonia.",
    "Stable cardiomegaly.",
    "Endotracheal tube in place.",
]


def image_rel_path(subject_id: int, study_id: int, dicom_id: str, ext: str) -> str:
    return f"files/p{str(subject_id)[:2]}/p{subject_id}/s{study_id}/{dicom_id}.{ext}"


def report_rel_path(subject_id: int, study_id: int) -> str:
    return f"files/p{str(subject_id)[:2]}/p{subject_id}/s{study_id}.txt"


def table_chunks(u: Universe, rt: ReleaseTable) -> Iterator[pa.Table]:
    """One table of MIMIC-CXR-JPG or MIMIC-CXR, in the catalogue's column order."""
    rng = stream(u.seed, rt.release, rt.table)
    imgs = u.images()
    studies = [(s, st) for s in u.subjects for st in s.studies]
    cols: dict[str, list[object]] = {}
    if rt.table == "metadata":
        frontal = [im.view if im.view in PROCEDURE else "PA" for _, _, im in imgs]
        cols = {
            "dicom_id": [im.dicom_id for _, _, im in imgs],
            "subject_id": [s.subject_id for s, _, _ in imgs],
            "study_id": [st.study_id for _, st, _ in imgs],
            "PerformedProcedureStepDescription": [PROCEDURE[v] for v in frontal],
            "ViewPosition": [im.view for _, _, im in imgs],
            "Rows": [im.rows for _, _, im in imgs],
            "Columns": [im.columns for _, _, im in imgs],
            "StudyDate": [int(st.time.strftime("%Y%m%d")) for _, st, _ in imgs],
            "StudyTime": [study_time_text(st.time) for _, st, _ in imgs],
            "ProcedureCodeSequence_CodeMeaning": [PROCEDURE[v] for v in frontal],
            "ViewCodeSequence_CodeMeaning": [VIEW_MEANING[im.view] for _, _, im in imgs],
            "PatientOrientationCodeSequence_CodeMeaning": [
                "Erect" if im.view != "AP" else None for _, _, im in imgs
            ],
        }
    elif rt.table == "split":
        split = rng.choice(["train", "validate", "test"], len(imgs), p=[0.978, 0.008, 0.014])
        cols = {
            "dicom_id": [im.dicom_id for _, _, im in imgs],
            "study_id": [st.study_id for _, st, _ in imgs],
            "subject_id": [s.subject_id for s, _, _ in imgs],
            "split": list(split),
        }
    elif rt.table in ("chexpert", "negbio"):
        labelled = [(s, st) for s, st in studies if st.chexpert]
        cols = {
            "subject_id": [s.subject_id for s, _ in labelled],
            "study_id": [st.study_id for _, st in labelled],
        }
        for c in rt.header[2:]:
            cols[c] = list(LABEL_VALUES[rng.choice(4, len(labelled), p=[0.15, 0.1, 0.05, 0.7])])
    elif rt.table == "record_list":
        cols = {
            "subject_id": [s.subject_id for s, _, _ in imgs],
            "study_id": [st.study_id for _, st, _ in imgs],
            "dicom_id": [im.dicom_id for _, _, im in imgs],
            "path": [image_rel_path(s.subject_id, st.study_id, im.dicom_id, "dcm") for s, st, im in imgs],
        }
    elif rt.table == "study_list":
        cols = {
            "subject_id": [s.subject_id for s, _ in studies],
            "study_id": [st.study_id for _, st in studies],
            "path": [report_rel_path(s.subject_id, st.study_id) for s, st in studies],
        }
    else:
        raise KeyError(f"{rt.release}/{rt.table}: no generator for this CXR table")
    yield pa.table({c: pa.array(cols[c]) for c in rt.header})


def write_images(u: Universe, root: Path, part: int, parts: int) -> int:
    """Write every `parts`-th image from `part` on (processes share the work); returns the files written."""
    written = 0
    for k, (s, st, im) in enumerate(u.images()):
        if k % parts != part or "image_missing_on_disk" in im.cases:
            continue
        data = images.jpeg_bytes(im.dicom_id, im.rows, im.columns, plants.REAL_SIZE_IMAGES in im.cases)
        if "image_unreadable" in im.cases:
            data = data[: len(data) // 3]  # a transfer cut short: JPEG header present, scan data truncated
        write_bytes(root / image_rel_path(s.subject_id, st.study_id, im.dicom_id, "jpg"), data)
        written += 1
    return written


def write_reports(u: Universe, root: Path) -> int:
    rng = stream(u.seed, "cxr reports")
    n = 0
    for s in u.subjects:
        for st in s.studies:
            finding = FINDINGS[int(rng.integers(len(FINDINGS)))]
            text = (
                "                                 FINAL REPORT\n"
                f" EXAMINATION:  CHEST ({'PA AND LAT' if len(st.images) > 1 else 'PORTABLE AP'})\n\n"
                " INDICATION:  ___ with dyspnea.\n\n"
                f" FINDINGS:\n \n {finding}\n\n IMPRESSION:\n \n {finding}\n"
            )
            write_bytes(root / report_rel_path(s.subject_id, st.study_id), text.encode())
            n += 1
    return n
