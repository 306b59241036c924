"""Issue 14, case 7: identifiers that become path components, and symlinks, never lead outside the release.

Each test plants a readable file outside the release root where a crafted identifier or a symlink points, and
checks that nothing of it reaches the lake, that the identifier is named, and that the rest converts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
from faults_convert_support import HOSP, leftovers, run_convert, small_raw

REFLACX = "physionet.org/files/reflacx-xray-localization/1.0.0"
EG = "physionet.org/files/egd-cxr/1.0.0"
JPG = "physionet.org/files/mimic-cxr-jpg/2.0.0"


def _entry(lake: Path, key: str) -> dict:
    return json.loads((lake / "_manifest.json").read_text())["tables"][key]


def test_reflacx_case_id_leading_outside_the_release_is_skipped(tmp_path):
    raw = small_raw(tmp_path, "reflacx-1.0.0")
    root = raw / REFLACX
    # A case folder outside the release, reachable as main_data/<id> with id = ../../../../../../outside.
    outside = tmp_path / "outside"
    shutil.copytree(root / "main_data" / "P102R108387", outside)
    depth = len((root / "main_data").relative_to(tmp_path).parts)
    evil = "/".join([".."] * depth) + "/outside"
    assert (root / "main_data" / evil / "fixations.csv").is_file()  # the trap is real
    meta = root / "main_data" / "metadata_phase_1.csv"
    lines = meta.read_text().split("\n")
    lines.append(lines[1].replace("P102R108387", evil, 1))
    meta.write_text("\n".join(lines))
    lake = tmp_path / "lake"
    done = run_convert(raw, "--lake", lake, "--only", "reflacx/fixations", "reflacx/transcription")
    assert done.returncode == 0, done.stderr
    assert f"skipped 1 rows with bad identifiers: {evil!r}" in done.stderr
    assert _entry(lake, "reflacx/fixations")["rejected_ids"] == [evil]
    ids = set(pq.read_table(lake / "reflacx" / "fixations.parquet").column("id").to_pylist())
    assert evil not in ids and "P102R108387" in ids
    texts = pq.read_table(lake / "reflacx" / "transcription.parquet").column("id").to_pylist()
    assert evil not in texts
    assert leftovers(lake) == []


def test_reflacx_case_folder_symlinked_outside_is_skipped(tmp_path):
    raw = small_raw(tmp_path, "reflacx-1.0.0")
    case = raw / REFLACX / "main_data" / "P102R108388"
    outside = tmp_path / "outside"
    shutil.move(case, outside)
    case.symlink_to(outside, target_is_directory=True)
    lake = tmp_path / "lake"
    done = run_convert(raw, "--lake", lake, "--only", "reflacx/fixations")
    assert done.returncode == 0, done.stderr
    assert "P102R108388 (outside the release root)" in done.stderr
    ids = set(pq.read_table(lake / "reflacx" / "fixations.parquet").column("id").to_pylist())
    assert "P102R108388" not in ids and "P102R108387" in ids


def test_eye_gaze_transcript_folders_with_bad_ids_or_symlinks_are_skipped(tmp_path):
    raw = small_raw(tmp_path, "egd-cxr-1.0.0")
    folder = raw / EG / "audio_segmentation_transcripts"
    good = sorted(p.name for p in folder.iterdir())
    outside = tmp_path / "outside"
    shutil.copytree(folder / good[0], outside)
    (folder / "not-a-dicom..id").mkdir()
    shutil.copy(outside / "transcript.json", folder / "not-a-dicom..id" / "transcript.json")
    linked = good[0][:-1] + "f"  # a valid-looking id whose folder is a symlink to outside
    (folder / linked).symlink_to(outside, target_is_directory=True)
    lake = tmp_path / "lake"
    done = run_convert(raw, "--lake", lake, "--only", "eye_gaze/transcripts")
    assert done.returncode == 0, done.stderr
    rejected = _entry(lake, "eye_gaze/transcripts")["rejected_ids"]
    assert rejected == sorted(["not-a-dicom..id", f"{linked} (outside the release root)"])
    ids = pq.read_table(lake / "eye_gaze" / "transcripts.parquet").column("dicom_id").to_pylist()
    assert sorted(ids) == good


def test_image_file_symlinked_outside_is_not_listed(tmp_path):
    raw = small_raw(tmp_path, "mimic-cxr-jpg-2.0.0")
    jpg = next((raw / JPG / "files").rglob("*.jpg"))
    outside = tmp_path / "outside.jpg"
    shutil.move(jpg, outside)
    jpg.symlink_to(outside)
    lake = tmp_path / "lake"
    done = run_convert(raw, "--lake", lake, "--only", "cxr_jpg/image_files")
    assert done.returncode == 0, done.stderr
    assert "a symlink to outside the release root" in done.stderr
    paths = pq.read_table(lake / "cxr_jpg" / "image_files.parquet").column("path").to_pylist()
    assert len(paths) == 2 and jpg.name not in "".join(paths)


def test_raw_table_symlinked_outside_the_release_is_an_error(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-2.2")
    path = raw / HOSP / "transfers.csv.gz"
    outside = tmp_path / "outside.csv.gz"
    shutil.move(path, outside)
    path.symlink_to(outside)
    lake = tmp_path / "lake"
    done = run_convert(raw, "--lake", lake, "--only", "hosp/transfers", "hosp/admissions")
    assert done.returncode == 1
    assert f"{path}: resolves outside the release root" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (lake / "hosp" / "transfers.parquet").exists()
    assert (lake / "hosp" / "admissions.parquet").is_file()
    assert leftovers(lake) == []
