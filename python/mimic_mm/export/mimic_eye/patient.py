"""Writing one patient folder from the tables the streams yielded for that subject."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from mimic_mm import identifiers as ids
from mimic_mm.export.mimic_eye import layout
from mimic_mm.export.mimic_eye.csvout import header_line, open_private, write_csv
from mimic_mm.export.mimic_eye.layout import FileSpec
from mimic_mm.export.mimic_eye.linking import Placer
from mimic_mm.private_fs import make_private_dirs

ERRORS_FILE = "export_errors.csv"
ERROR_COLUMNS = ("kind", "subject_id", "study_id", "dicom_id", "file")


@dataclass
class PatientStats:
    """What one patient folder holds; summed over the export for the end summary."""

    files: Counter[str] = field(default_factory=Counter)  # top-level subfolder -> files written
    bytes: int = 0
    errors: list[tuple[str, ...]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # `kind identifier` of rows skipped as invalid
    made: set[Path] = field(default_factory=set)  # folders already created in this patient's folder

    def reject(self, kind: str, subject_id: int, value: object, study: str = "", dicom: str = "") -> None:
        """A row whose identifier cannot name a path: skipped, listed in the errors file (the refused value in
        its `file` column) and named in the summary."""
        self.rejected.append(f"{kind} {value!r}")
        self.errors.append((f"invalid_{kind}", str(subject_id), study, dicom, str(value)))


def _mkdirs(root: Path, rel: str, made: set[Path]) -> Path:
    """`root/rel` (refused if it would leave root), creating its parent folders owner-only, once per patient
    (a mkdir per file is costly)."""
    path = ids.safe_join(root, rel)
    if path.parent not in made:
        make_private_dirs(path.parent)
        made.add(path.parent)
    return path


def _split(table: pa.Table, column: str) -> list[tuple[object, pa.Table]]:
    """Consecutive groups of a table sorted by `column` (REFLACX case ids, EyeGaze images)."""
    values = table.column(column).to_pylist()
    out, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            out.append((values[start], table.slice(start, i - start)))
            start = i
    return out


class PatientWriter:
    """Writes `patient_{id}/` into a (temporary) folder; files of one subfolder exist only with content."""

    def __init__(
        self, files: list[FileSpec], placer: Placer, index: bool, release_roots: dict[str, str] | None = None
    ) -> None:
        self.files, self.placer, self.index = files, placer, index
        self.release_roots = release_roots or {}
        self.ellipse_columns = layout.ellipse_columns_by_phase()

    def write(self, root: Path, subject_id: int, tables: dict[str, pa.Table]) -> PatientStats:
        stats = PatientStats()
        for spec in self.files:
            table = tables.get(spec.key)
            if table is None or table.num_rows == 0:
                continue
            if spec.per_case:
                self._per_case(root, subject_id, spec, table, stats)
            else:
                self._csv(root, spec.path, table, spec.columns, spec.index and self.index, stats)
        self._transcription(root, subject_id, tables.get("reflacx.transcription"), stats)
        self._images(root, subject_id, tables.get("images"), stats)
        self._reports(root, subject_id, tables.get("reports"), stats)
        self._transcripts(root, subject_id, tables.get("eg_transcripts"), stats)
        self._transcript_files(root, subject_id, tables.get("eg_transcript_files"), stats)
        if stats.errors:
            self._errors(root, stats)
        return stats

    def _csv(self, root: Path, rel: str, table: pa.Table, columns, index: bool, stats: PatientStats) -> None:
        stats.bytes += write_csv(_mkdirs(root, rel, stats.made), table, columns, index)
        stats.files[rel.split("/", 1)[0]] += 1

    def _per_case(
        self, root: Path, subject_id: int, spec: FileSpec, table: pa.Table, stats: PatientStats
    ) -> None:
        for case_id, rows in _split(table, "id"):
            if not ids.reflacx_case(case_id):
                stats.reject("reflacx_id", subject_id, case_id)
                continue
            columns = spec.columns
            if spec.key == "reflacx.anomaly_location_ellipses":
                columns = self.ellipse_columns[rows.column("phase")[0].as_py()]
            # Per-case files are published as REFLACX ships them: no index column.
            self._csv(root, spec.path.format(id=case_id), rows, columns, False, stats)

    def _transcription(
        self, root: Path, subject_id: int, table: pa.Table | None, stats: PatientStats
    ) -> None:
        if table is None:
            return
        for case_id, text in zip(
            table.column("id").to_pylist(), table.column("text").to_pylist(), strict=True
        ):
            if not ids.reflacx_case(case_id):
                stats.reject("reflacx_id", subject_id, case_id)
                continue
            path = _mkdirs(root, f"REFLACX/main_data/{case_id}/transcription.txt", stats.made)
            with open_private(path) as fh:
                fh.write((text or "").encode())
            stats.bytes += path.stat().st_size
            stats.files["REFLACX"] += 1

    def _place(
        self,
        root: Path,
        rel: str,
        source: tuple[str, str | None, str | None],
        error: tuple[str, ...],
        stats: PatientStats,
    ) -> None:
        """Link or copy one lake file; a missing source becomes a row of the errors file, one outside the
        release root (damaged inventory, or a symlink leading out) is refused."""
        stream, rel_path, abs_path = source
        if abs_path is None:
            stats.errors.append(error)
            return
        try:
            src = ids.release_source(abs_path, rel_path, self.release_roots.get(stream))
        except ids.UnsafePathError:
            stats.reject("source_path", int(error[1]), abs_path, study=error[2], dicom=error[3])
            return
        try:
            stats.bytes += self.placer.place(src, _mkdirs(root, rel, stats.made))
            stats.files[rel.split("/", 1)[0]] += 1
        except FileNotFoundError:
            stats.errors.append(error)

    def _images(self, root: Path, subject_id: int, table: pa.Table | None, stats: PatientStats) -> None:
        if table is None:
            return
        cols = ("study_id", "dicom_id", "rel_path", "abs_path")
        for study, dicom, rel_path, src in zip(*(table.column(c).to_pylist() for c in cols), strict=True):
            if not ids.positive_int(study):
                stats.reject("study_id", subject_id, study)
                continue
            if not ids.cxr_dicom(dicom):
                stats.reject("dicom_id", subject_id, dicom, study=str(study))
                continue
            rel = f"CXR-JPG/s{study}/{dicom}.jpg"
            error = ("missing_image", str(subject_id), str(study), dicom, rel)
            self._place(root, rel, ("images", rel_path, src), error, stats)

    def _reports(self, root: Path, subject_id: int, table: pa.Table | None, stats: PatientStats) -> None:
        if table is None:
            return
        cols = ("study_id", "rel_path", "abs_path")
        for study, rel_path, src in zip(*(table.column(c).to_pylist() for c in cols), strict=True):
            if not ids.positive_int(study):
                stats.reject("study_id", subject_id, study)
                continue
            rel = f"CXR-DICOM/s{study}.txt"
            error = ("missing_report", str(subject_id), str(study), "", rel)
            self._place(root, rel, ("reports", rel_path, src), error, stats)

    def _transcripts(self, root: Path, subject_id: int, table: pa.Table | None, stats: PatientStats) -> None:
        """transcript.json rebuilt from the lake: full text and the time-stamped phrases in order."""
        if table is None:
            return
        for dicom, rows in _split(table, "dicom_id"):
            if not ids.eye_gaze_dicom(dicom):
                stats.reject("dicom_id", subject_id, dicom)
                continue
            phrases = rows.filter(pc.is_valid(rows.column("phrase_index")))
            doc = {
                "full_text": rows.column("full_text")[0].as_py(),
                "time_stamped_text": [
                    {"phrase": p, "begin_time": b, "end_time": e}
                    for p, b, e in zip(
                        *(phrases.column(c).to_pylist() for c in ("phrase", "begin_time", "end_time")),
                        strict=True,
                    )
                ],
            }
            path = _mkdirs(
                root, f"EyeGaze/audio_segmentation_transcripts/{dicom}/transcript.json", stats.made
            )
            with open_private(path) as fh:
                fh.write(json.dumps(doc).encode())
            stats.bytes += path.stat().st_size
            stats.files["EyeGaze"] += 1

    def _transcript_files(
        self, root: Path, subject_id: int, table: pa.Table | None, stats: PatientStats
    ) -> None:
        if table is None:
            return
        cols = ("dicom_id", "file_name", "rel_path", "abs_path")
        for dicom, name, rel_path, src in zip(*(table.column(c).to_pylist() for c in cols), strict=True):
            if not ids.eye_gaze_dicom(dicom):
                stats.reject("dicom_id", subject_id, dicom)
                continue
            if not ids.file_name(name):
                stats.reject("file_name", subject_id, name, dicom=dicom)
                continue
            rel = f"EyeGaze/audio_segmentation_transcripts/{dicom}/{name}"
            error = ("missing_transcript_file", str(subject_id), "", dicom, rel)
            self._place(root, rel, ("eg_transcript_files", rel_path, src), error, stats)

    def _errors(self, root: Path, stats: PatientStats) -> None:
        import csv
        import io

        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(stats.errors)
        with open_private(root / ERRORS_FILE) as fh:
            fh.write(header_line(ERROR_COLUMNS, False) + buf.getvalue().encode())
