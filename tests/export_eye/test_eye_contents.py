"""The export of the project's synthetic release (synth → convert → dbt → export): each file of the edge-case
patients holds exactly the subject's rows of the lake, computed here independently with pandas, and the
linkage results match the generator's ground truth."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from eye_expect import canon, cohort, lake, read_export, roles, rows
from PIL import Image

from mimic_mm.atomic_fs import is_temp
from mimic_mm.export.mimic_eye import layout

pytestmark = pytest.mark.xdist_group("eye_export")
ROLES = ("both", "reflacx_only_discarded", "eye_only_truncated", "no_ed", "no_icu")


@pytest.fixture(scope="session")
def who(release) -> dict[str, int]:
    return roles(release.lake)


@pytest.fixture(scope="session")
def truth(release) -> dict:
    return json.loads((release.raw / "ground_truth.json").read_text())


def test_one_folder_per_eye_tracking_subject(exported: Path, release) -> None:
    folders = sorted(p.name for p in exported.glob("patient_*"))
    assert folders == [f"patient_{s}" for s in sorted(cohort(release.lake))]
    assert not [p for p in exported.rglob("*") if is_temp(p.name)], "temporary files left behind"


@pytest.mark.parametrize("role", ROLES)
def test_clinical_files_hold_all_subject_rows(exported: Path, release, who, role: str) -> None:
    subject = who[role]
    for module, table in layout.clinical_tables():
        src = lake(release.lake, module, table)
        want = src[src.subject_id == subject]
        path = exported / f"patient_{subject}" / layout.CLINICAL_FOLDERS[module] / f"{table}.csv"
        if want.empty:
            assert not path.exists(), path
            continue
        got = read_export(path)
        assert list(got.columns) == list(src.columns), path
        assert rows(got, list(got.columns)) == rows(want, list(src.columns)), path
    for table in ("chexpert", "negbio", "split"):
        src = lake(release.lake, "cxr_jpg", table)
        want = src[src.subject_id == subject]
        got = read_export(exported / f"patient_{subject}" / "CXR-JPG" / f"cxr_{table}.csv")
        assert rows(got, list(src.columns)) == rows(want, list(src.columns)), table


def test_missing_modules_have_no_folder(exported: Path, who) -> None:
    assert not (exported / f"patient_{who['no_ed']}" / "ED").exists()
    assert not (exported / f"patient_{who['no_icu']}" / "ICU").exists()
    assert not (exported / f"patient_{who['eye_only_truncated']}" / "REFLACX").exists()
    assert not (exported / f"patient_{who['reflacx_only_discarded']}" / "EyeGaze").exists()


def test_cxr_meta_stay_id_and_flags(exported: Path, release, truth) -> None:
    """stay_id as the generator's ground truth says (images before 10:00 included), flags from the lake."""
    images = truth["images"]
    reflacx = set(lake(release.lake, "reflacx", "metadata").dicom_id)
    eye = set(lake(release.lake, "eye_gaze", "master_sheet").dicom_id)
    selected = {d: v for d, v in images.items() if d in reflacx | eye}
    early = [d for d, v in selected.items() if v["ed_stay_id"] and pd.Timestamp(v["image_time"]).hour < 10]
    sheet = pd.read_csv(exported / "spreadsheets" / "cxr_meta.csv", index_col=0)
    assert sorted(sheet.dicom_id) == sorted(selected)
    for subject in cohort(release.lake):
        got = pd.read_csv(exported / f"patient_{subject}" / "CXR-JPG" / "cxr_meta.csv", index_col=0)
        for row in got.itertuples():
            v = selected[row.dicom_id]
            assert v["subject_id"] == subject
            assert canon(row.stay_id) == canon(v["ed_stay_id"]), row.dicom_id
            assert bool(row.in_reflacx) == (row.dicom_id in reflacx)
            assert bool(row.in_eye_gaze) == (row.dicom_id in eye)
        assert sorted(got.dicom_id) == sorted(d for d, v in selected.items() if v["subject_id"] == subject)
    got_early = sheet[sheet.dicom_id.isin(early)]
    assert got_early.stay_id.notna().all()
    only = pd.read_csv(exported / "spreadsheets" / "cxr_meta_with_stay_id_only.csv", index_col=0)
    assert sorted(only.dicom_id) == sorted(d for d, v in selected.items() if v["ed_stay_id"])


def test_images_and_reports_at_published_paths(exported: Path, release) -> None:
    meta = lake(release.lake, "cxr_jpg", "metadata")
    files = lake(release.lake, "cxr_jpg", "image_files").set_index("dicom_id")
    sheet = pd.read_csv(exported / "spreadsheets" / "cxr_meta.csv", index_col=0)
    studies = set(zip(sheet.subject_id, sheet.study_id, strict=True))
    missing = []
    for row in meta.itertuples():
        path = exported / f"patient_{row.subject_id}" / "CXR-JPG" / f"s{row.study_id}" / f"{row.dicom_id}.jpg"
        if (row.subject_id, row.study_id) not in studies:
            assert not path.exists()
        elif row.dicom_id in files.index:
            with Image.open(path) as img:
                img.load()
            assert path.stat().st_size == files.loc[row.dicom_id, "file_bytes"]
        else:
            missing.append(row.dicom_id)
    errors = exported / "export_errors.csv"
    listed = pd.read_csv(errors).dicom_id.tolist() if errors.exists() else []
    assert sorted(d for d in listed if isinstance(d, str)) == sorted(missing)
    reports = lake(release.lake, "cxr", "report_files").set_index("study_id")
    for s, study in studies:
        path = exported / f"patient_{s}" / "CXR-DICOM" / f"s{study}.txt"
        if study in reports.index:
            assert path.read_bytes() == Path(reports.loc[study, "abs_path"]).read_bytes()


def test_published_readers_work(exported: Path, release, who) -> None:
    sheet = pd.read_csv(exported / "spreadsheets" / "cxr_meta.csv", index_col=0)
    assert {"dicom_id", "stay_id", "in_reflacx", "in_eye_gaze", "StudyDateTime"} <= set(sheet.columns)
    assert sheet.in_reflacx.dtype == bool
    assert pd.to_datetime(sheet.StudyDateTime).notna().all()
    meta = lake(release.lake, "reflacx", "metadata")
    fix = lake(release.lake, "reflacx", "fixations")
    subject = who["both"]
    cases = meta[
        (meta.subject_id == subject) & ~meta.eye_tracking_data_discarded.fillna(False).astype(bool)
    ].id
    assert len(cases)
    for case in cases:
        df = pd.read_csv(exported / f"patient_{subject}" / "REFLACX" / "main_data" / case / "fixations.csv")
        assert tuple(df.columns) == layout.reflacx_file_columns("fixations")
        want = fix[fix.id == case].sort_values("row_index")
        assert [canon(v) for v in df.x_position] == [canon(v) for v in want.x_position]


def test_reflacx_cases(exported: Path, release, who) -> None:
    subject = who["reflacx_only_discarded"]
    meta = lake(release.lake, "reflacx", "metadata")
    ell = lake(release.lake, "reflacx", "anomaly_location_ellipses")
    root = exported / f"patient_{subject}" / "REFLACX"
    mine = meta[meta.subject_id == subject]
    for row in mine.itertuples():
        case = root / "main_data" / row.id
        if row.eye_tracking_data_discarded:
            assert not (case / "fixations.csv").exists() and not (root / "gaze_data" / row.id).exists()
        else:
            assert (root / "gaze_data" / row.id / "gaze.csv").exists()
        n = int((ell.id == row.id).sum())
        if n:
            got = pd.read_csv(case / "anomaly_location_ellipses.csv")
            assert tuple(got.columns) == layout.ellipse_columns_by_phase()[row.phase]
            assert len(got) == n
    got_meta = read_export(root / "metadata.csv")
    assert tuple(got_meta.columns) == layout.published("reflacx", "metadata")
    assert sorted(got_meta.id) == sorted(mine.id)
    labels = read_export(root / layout.REFLACX_LABELS_FILE)
    assert {"High lung volume / emphysema", "Lung nodule or mass"} <= set(labels.columns)
    assert sorted(labels.id) == sorted(mine.id)


def _repaired_rows(lake_dir: Path, table: str, subject: int) -> pd.DataFrame:
    """The subject's gaze rows after the SPEC repair rule, computed here from the raw rows."""
    master = lake(lake_dir, "eye_gaze", "master_sheet")
    valid = set(master[master.patient_id == subject].dicom_id)
    src = lake(lake_dir, "eye_gaze", table)
    fix = {d: [v for v in valid if v.startswith(d)] for d in set(src.DICOM_ID) - valid}
    src = src.assign(
        repaired=src.DICOM_ID.map(lambda d: d if d in valid else (fix[d][0] if len(fix[d]) == 1 else None))
    )
    own = src[src.repaired.notna()]
    has_valid = set(
        zip(own[own.DICOM_ID.isin(valid)].SESSION_ID, own[own.DICOM_ID.isin(valid)].MEDIA_ID, strict=True)
    )
    keep = own.DICOM_ID.isin(valid) | ~pd.Series(
        [(s, m) in has_valid for s, m in zip(own.SESSION_ID, own.MEDIA_ID, strict=True)], index=own.index
    )
    return own[keep].assign(DICOM_ID=own.repaired)


def test_eye_gaze_truncated_ids_repaired(exported: Path, release, who) -> None:
    subject = who["eye_only_truncated"]
    master = lake(release.lake, "eye_gaze", "master_sheet")
    valid = set(master[master.patient_id == subject].dicom_id)
    for table in ("fixations", "eye_gaze"):
        want = _repaired_rows(release.lake, table, subject)
        got = read_export(exported / f"patient_{subject}" / "EyeGaze" / f"{table}.csv")
        assert tuple(got.columns) == layout.published("eye_gaze", table)
        assert set(got.DICOM_ID) <= valid
        cols = ["DICOM_ID", "CNT", "FPOGX", "FPOGY"]
        assert rows(got, cols) == rows(want, cols), table


def test_eye_gaze_folder(exported: Path, release, who, truth) -> None:
    subject = who["both"]
    root = exported / f"patient_{subject}" / "EyeGaze"
    master = read_export(root / "master_sheet.csv")
    assert tuple(master.columns) == layout.published("eye_gaze", "master_sheet")
    for row in master.itertuples():
        assert canon(row.stay_id) == canon(truth["images"][row.dicom_id]["ed_stay_id"])
    boxes = lake(release.lake, "eye_gaze", "bounding_boxes")
    got = read_export(root / "bounding_boxes.csv")
    want = boxes[boxes.dicom_id.isin(master.dicom_id)]
    assert rows(got, list(boxes.columns)) == rows(want, list(boxes.columns))
    phrases = lake(release.lake, "eye_gaze", "transcript_phrases")
    texts = lake(release.lake, "eye_gaze", "transcripts").set_index("dicom_id")
    tfiles = lake(release.lake, "eye_gaze", "transcript_files")
    for dicom in master.dicom_id:
        folder = root / "audio_segmentation_transcripts" / dicom
        if dicom in texts.index:
            doc = json.loads((folder / "transcript.json").read_text())
            assert doc["full_text"] == texts.loc[dicom, "full_text"]
            assert [p["phrase"] for p in doc["time_stamped_text"]] == list(
                phrases[phrases.dicom_id == dicom].sort_values("phrase_index").phrase
            )
        for f in tfiles[(tfiles.dicom_id == dicom) & (tfiles.file_name != "transcript.json")].itertuples():
            assert (folder / f.file_name).read_bytes() == Path(f.abs_path).read_bytes()


def test_spreadsheets(exported: Path, release, truth) -> None:
    sheets = exported / "spreadsheets"
    for table in ("eye_gaze", "fixations"):
        got = read_export(sheets / "EyeGaze" / f"{table}.csv")
        src = lake(release.lake, "eye_gaze", table)
        deleted = sum(
            r["rows"] for r in truth["dicom_repairs"] if r["file"] == table and r["action"] == "deleted"
        )
        assert len(got) == len(src) - deleted, table
        # The raw-gaze file holds raw gaze (the published notebook wrote fixations there).
        pairs = set(zip(src.CNT.map(canon), src.FPOGX.map(canon), strict=True))
        assert set(zip(got.CNT.map(canon), got.FPOGX.map(canon), strict=True)) <= pairs, table
    assert len(read_export(sheets / "EyeGaze" / "eye_gaze.csv")) != len(
        read_export(sheets / "EyeGaze" / "fixations.csv")
    )
    assert (sheets / "EyeGaze" / layout.EYE_GAZE_MASTER_SPREADSHEET).exists()
    patients = read_export(sheets / "Hosp" / "patients.csv")
    assert sorted(int(s) for s in patients.subject_id) == sorted(cohort(release.lake))
    assert len(read_export(sheets / "ICU" / "d_items.csv")) == len(lake(release.lake, "icu", "d_items"))
    reflacx = read_export(sheets / "REFLACX" / "metadata.csv")
    assert len(reflacx) == len(lake(release.lake, "reflacx", "metadata"))
    split = read_export(sheets / "CXR-JPG" / "cxr_split.csv")
    assert len(split) == len(lake(release.lake, "cxr_jpg", "split"))


def test_outputs_are_owner_only(exported: Path) -> None:
    for path in [exported / "spreadsheets" / "cxr_meta.csv", *exported.glob("patient_*/Hosp/*.csv")]:
        assert path.stat().st_mode & 0o077 == 0, path
    for path in exported.glob("patient_*"):
        assert path.stat().st_mode & 0o077 == 0, path


def test_verify_accepts_real_export(release, exported: Path) -> None:
    import argparse

    from mimic_mm.export.mimic_eye import verify
    from mimic_mm.export.mimic_eye.cli import add_verify_arguments

    parser = argparse.ArgumentParser()
    add_verify_arguments(parser)
    assert verify(parser.parse_args(["--db", str(release.db), str(exported)])) == 0
