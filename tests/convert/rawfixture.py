"""Small raw releases in the published layout, written from the catalogue (headers, types, file locations).

Used until and beside the synthetic generator: every table of a release gets a few rows whose values exercise
the converter (quoted commas and newlines in text, empty fields, ICD codes with leading zeros, StudyTime
without leading zeros).
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path

from mimic_mm.convert.freetext import is_free_text
from mimic_mm.releases import ReleaseTable, release_tables

SLUGS = {
    "mimic-iv": "mimiciv",
    "mimic-iv-ed": "mimic-iv-ed",
    "mimic-iv-note": "mimic-iv-note",
    "mimic-cxr-jpg": "mimic-cxr-jpg",
    "mimic-cxr": "mimic-cxr",
    "reflacx": "reflacx-xray-localization",
    "egd-cxr": "egd-cxr",
}
ROWS = 5
DICOM = "02aa804e-bde0afdd-112c0b34-7bc16630-4e38401{}"
STUDY_TIMES = ["213014.531", "80556.875", "703.0", "0.5", "120000"]
REFLACX_IDS = {1: ["P102R108387", "P102R108388"], 2: ["P200R000001"], 3: ["P300R000001", "P300R000002"]}


def value(rt: ReleaseTable, col: str, type_: str, i: int) -> str:
    """A raw text value of the published format for row i."""
    name = col.lower()
    t = type_.upper()
    if i == ROWS - 1 and name not in ("subject_id", "id", "dicom_id", "study_id", "hadm_id", "stay_id"):
        return ""  # one row of empty fields: NULL
    if name == "icd_code":
        return f"00{i}1"
    if name == "pain":
        return ["unable", "5", "sleeping", "0", ""][i]
    if name == "studydate":
        return "21800506"
    if name == "studytime":
        return STUDY_TIMES[i]
    if name == "dicom_id":
        return DICOM.format(i)
    if name == "subject_id" or name == "patient_id":
        return str(10000032 + i)
    if name == "study_id":
        return str(50414267 + i)
    if t.startswith(("INT", "SMALLINT", "BIGINT")):
        return str(i + 1)
    if t.startswith(("FLOAT", "REAL", "DOUBLE", "NUMERIC")):
        return f"{i}.5"
    if t.startswith("TIMESTAMP"):
        return f"2180-05-0{i + 1} 0{i}:17:00"
    if t == "DATE":
        return f"2180-05-0{i + 1}"
    if t == "BOOLEAN":
        return ["True", "False"][i % 2]
    # Line breaks only where the release has free text: elsewhere they are evidence of a stray quote.
    multi = "multi\nline\ntext" if is_free_text(rt.table, col) else "multi line text"
    return [f"text {i}", 'with "quotes", commas', multi, "plain", ""][i]


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    data = buf.getvalue().encode()
    if path.name.endswith(".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)


def table_rows(rt: ReleaseTable, n: int = ROWS) -> list[list[str]]:
    return [[value(rt, c.name, c.type, i) for c in rt.columns] for i in range(n)]


def write_release(out: Path, release: str, version: str | None = None) -> Path:
    """Write `release` under out/physionet.org/files/<slug>/<version>/; returns the root."""
    family, _, ver = release.rpartition("-")
    root = out / "physionet.org" / "files" / SLUGS[family] / (version or ver)
    tables = release_tables(release)
    for rt in tables.values():
        if "{" in rt.path or not rt.columns:
            continue
        rows = table_rows(rt)
        if rt.table.startswith("metadata_phase_"):
            ids = REFLACX_IDS[int(rt.table.rsplit("_", 1)[1])]
            rows = [
                [case if c.name == "id" else v for c, v in zip(rt.columns, r, strict=True)]
                for case, r in zip(ids, rows, strict=False)
            ]
        write_csv(root / rt.path, rt.header, rows)
    if family == "reflacx":
        _reflacx_cases(root, tables)
    if family == "egd-cxr":
        for i in range(2):
            folder = root / "audio_segmentation_transcripts" / DICOM.format(i)
            folder.mkdir(parents=True)
            doc = {
                "full_text": f"text {i}",
                "time_stamped_text": [
                    {"phrase": "heart", "begin_time": 0.5, "end_time": 1.0},
                    {"phrase": "normal", "begin_time": 1.25, "end_time": 2.0},
                ],
            }
            (folder / "transcript.json").write_text(json.dumps(doc))
            (folder / "left_lung.png").write_bytes(b"\x89PNG")
    if family == "mimic-cxr-jpg":
        for i in range(3):
            p = root / "files" / "p10" / f"p{10000032 + i}" / f"s{50414267 + i}" / f"{DICOM.format(i)}.jpg"
            p.parent.mkdir(parents=True)
            p.write_bytes(b"\xff\xd8\xff" + bytes(i))
    if family == "mimic-cxr":
        for i in range(2):
            p = root / "files" / "p10" / f"p{10000032 + i}" / f"s{50414267 + i}.txt"
            p.parent.mkdir(parents=True)
            p.write_text(f"FINDINGS: report {i}\n")
    return root


def _reflacx_cases(root: Path, tables: dict[str, ReleaseTable]) -> None:
    for phase, ids in REFLACX_IDS.items():
        for case in ids:
            for rt in tables.values():
                if "{id}" not in rt.path:
                    continue
                if "_phase_" in rt.table and str(phase) not in rt.table.split("_phase_")[1]:
                    continue
                path = root / rt.path.format(id=case)
                if rt.columns:
                    write_csv(path, rt.header, table_rows(rt, 3))
                else:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_text(f"transcription of {case}\n")


def write_all(out: Path, mimic_iv: str = "mimic-iv-2.2") -> Path:
    for release in (
        mimic_iv,
        "mimic-iv-ed-2.2",
        "mimic-iv-note-2.2",
        "mimic-cxr-jpg-2.0.0",
        "mimic-cxr-2.0.0",
        "reflacx-1.0.0",
        "egd-cxr-1.0.0",
    ):
        write_release(out, release)
    return out


def rewrite_gz(path: Path, edit: Callable[[str], str]) -> None:
    """Rewrite a gzip text file through `edit` (a fault planted in a fixture file)."""
    path.write_bytes(gzip.compress(edit(gzip.decompress(path.read_bytes()).decode()).encode()))
