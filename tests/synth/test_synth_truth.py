"""The ground truth equals the linkage rules recomputed from the written CSVs; every case is planted."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import pytest
from synth_readback import read_rows, table_path

from mimic_mm.releases import release_tables
from mimic_mm.synth.generate import release_root
from mimic_mm.synth.oracle import Interval, dicom_repairs, ed_match, image_time, interval_id, merge_reflacx

TS = "%Y-%m-%d %H:%M:%S"


def _intervals(path: Path, id_col: str, start: str, end: str) -> dict[int, list[Interval]]:
    out: dict[int, list[Interval]] = defaultdict(list)
    for r in read_rows(path):
        out[int(r["subject_id"])].append(
            Interval(int(r[id_col]), datetime.strptime(r[start], TS), datetime.strptime(r[end], TS))
        )
    return out


@pytest.mark.xdist_group("synth22")
def test_images_match_the_oracle_recomputed_from_csv(gen22: Path, truth22: dict) -> None:
    ed = _intervals(table_path(gen22, "mimic-iv-ed-2.2", "edstays"), "stay_id", "intime", "outtime")
    adm = _intervals(table_path(gen22, "mimic-iv-2.2", "admissions"), "hadm_id", "admittime", "dischtime")
    icu = _intervals(table_path(gen22, "mimic-iv-2.2", "icustays"), "stay_id", "intime", "outtime")
    meta = list(read_rows(table_path(gen22, "mimic-cxr-jpg-2.0.0", "metadata")))
    assert set(truth22["images"]) == {m["dicom_id"] for m in meta}
    for m in meta:
        s = int(m["subject_id"])
        t = image_time(m["StudyDate"], m["StudyTime"])
        got = truth22["images"][m["dicom_id"]]
        m0, m168 = ed_match(t, ed[s], 0), ed_match(t, ed[s], 168)
        expected = {
            "subject_id": s,
            "study_id": int(m["study_id"]),
            "image_time": t.isoformat(timespec="microseconds"),
            "ed_stay_id": m0.stay_id,
            "ed_match": m0.match,
            "ed_stay_id_168h": m168.stay_id,
            "ed_match_168h": m168.match,
            "hadm_id": interval_id(t, adm[s]),
            "icu_stay_id": interval_id(t, icu[s]),
        }
        assert {k: got[k] for k in expected} == expected, m["dicom_id"]


def test_image_time_parsing() -> None:
    assert image_time("21800723", "80556.875") == datetime(2180, 7, 23, 8, 5, 56, 875000)
    assert image_time("21800723", "703.0") == datetime(2180, 7, 23, 0, 7, 3)
    assert image_time("21800506", "213014.531") == datetime(2180, 5, 6, 21, 30, 14, 531000)


def _one(truth: dict, case: str) -> dict:
    (dicom,) = truth["cases"][case]
    return truth["images"][dicom]


@pytest.mark.xdist_group("synth22")
def test_planted_stay_cases(gen22: Path, truth22: dict) -> None:
    meta = {m["dicom_id"]: m for m in read_rows(table_path(gen22, "mimic-cxr-jpg-2.0.0", "metadata"))}
    (unpadded,) = truth22["cases"]["studytime_unpadded"]
    assert meta[unpadded]["StudyTime"] == "80556.875"  # 08:05:56.875 without the leading zero
    assert _one(truth22, "studytime_unpadded")["ed_match"] == "within"
    (midnight,) = truth22["cases"]["studytime_after_midnight"]
    assert meta[midnight]["StudyTime"] == "703.0"
    assert _one(truth22, "studytime_after_midnight")["ed_match"] == "within"
    for case in (
        "image_at_ed_intime",
        "image_at_ed_outtime",
        "outside_ed_1h",
        "outside_ed_2d",
        "outside_ed_6d",
    ):
        img = _one(truth22, case)
        assert (img["ed_match"], img["ed_stay_id"]) == ("none", None), case
        assert img["ed_match_168h"] == "window" and img["ed_stay_id_168h"] is not None, case
    far = _one(truth22, "outside_ed_8d")
    assert (far["ed_match"], far["ed_match_168h"]) == ("none", "none")
    both = _one(truth22, "overlapping_ed_stays")
    assert both["ed_match"] == both["ed_match_168h"] == "ambiguous" and both["ed_stay_id_168h"] is None
    assert _one(truth22, "studytime_unpadded")["hadm_id"] is None  # the ED stay precedes the admission
    for dicom in truth22["cases"]["image_during_icu"]:
        assert truth22["images"][dicom]["icu_stay_id"] is not None
    for key in (
        "cxr_no_ed_no_icu",
        "icu_no_cxr",
        "several_icu_stays_with_cxr",
        "no_chexpert_row",
        "image_missing_on_disk",
        "image_unreadable",
        "icu_stay_without_cxr_during",
        "reflacx_and_eye_gaze",
        "reflacx_only_discarded",
        "eye_gaze_only_truncated",
        "reflacx_no_ed_no_icu",
        "eye_gaze_no_ed_no_icu",
    ):
        assert truth22["cases"].get(key), f"case {key} not planted"


@pytest.mark.xdist_group("synth22")
def test_subject_level_cases_hold_in_the_files(gen22: Path, truth22: dict) -> None:
    icu = defaultdict(list)
    for r in read_rows(table_path(gen22, "mimic-iv-2.2", "icustays")):
        icu[r["subject_id"]].append(r["stay_id"])
    ed = {r["subject_id"] for r in read_rows(table_path(gen22, "mimic-iv-ed-2.2", "edstays"))}
    cxr = {r["subject_id"] for r in read_rows(table_path(gen22, "mimic-cxr-jpg-2.0.0", "metadata"))}
    chex = {r["study_id"] for r in read_rows(table_path(gen22, "mimic-cxr-jpg-2.0.0", "chexpert"))}
    for s in truth22["cases"]["cxr_no_ed_no_icu"]:
        assert s in cxr and s not in ed and not icu[s]
    for s in truth22["cases"]["icu_no_cxr"]:
        assert icu[s] and s not in cxr
    for s in truth22["cases"]["several_icu_stays_with_cxr"]:
        assert len(icu[s]) >= 2 and s in cxr
    (stay,) = truth22["cases"]["icu_stay_without_cxr_during"]
    assert all(img["icu_stay_id"] != int(stay) for img in truth22["images"].values())
    for s in truth22["cases"]["no_chexpert_row"]:
        studies = {img["study_id"] for img in truth22["images"].values() if img["subject_id"] == int(s)}
        assert studies and not {str(x) for x in studies} & chex
    ref = {
        r["subject_id"]
        for p in (1, 2, 3)
        for r in read_rows(table_path(gen22, "reflacx-1.0.0", f"metadata_phase_{p}"))
    }
    eg = {r["patient_id"] for r in read_rows(table_path(gen22, "egd-cxr-1.0.0", "master_sheet"))}
    assert set(truth22["cases"]["reflacx_and_eye_gaze"]) <= ref & eg
    for s in truth22["cases"]["reflacx_no_ed_no_icu"] + truth22["cases"]["eye_gaze_no_ed_no_icu"]:
        assert s in ref | eg and s not in ed and not icu[s]
    assert len(ref) >= 5 and len(eg) >= 5
    ed_ids = {r["stay_id"] for r in read_rows(table_path(gen22, "mimic-iv-ed-2.2", "edstays"))}
    assert not {r["stay_id"] for r in read_rows(table_path(gen22, "egd-cxr-1.0.0", "master_sheet"))} & ed_ids


@pytest.mark.xdist_group("synth22")
def test_dicom_repairs_recomputed_from_files(gen22: Path, truth22: dict) -> None:
    valid = sorted(m["dicom_id"] for m in read_rows(table_path(gen22, "mimic-cxr-jpg-2.0.0", "metadata")))
    master = {r["dicom_id"] for r in read_rows(table_path(gen22, "egd-cxr-1.0.0", "master_sheet"))}
    expected = []
    for name in ("eye_gaze", "fixations"):
        rows = [
            (int(r["SESSION_ID"]), int(r["MEDIA_ID"]), r["DICOM_ID"])
            for r in read_rows(table_path(gen22, "egd-cxr-1.0.0", name))
        ]
        expected += dicom_repairs(name, rows, valid, master)
    assert truth22["dicom_repairs"] == expected
    actions = {(r["file"], r["action"]) for r in expected}
    for f in ("eye_gaze", "fixations"):
        assert {(f, a) for a in ("deleted", "relabelled", "calibration", "unresolved")} <= actions
    lengths = {len(r["original_id"]) for r in expected if r["action"] in ("deleted", "relabelled")}
    assert lengths == {39, 35}
    for case in ("eye_gaze_truncated_5_with_valid", "eye_gaze_truncated_9_with_valid"):
        assert {r["action"] for r in expected if r["original_id"] in truth22["cases"][case]} == {"deleted"}
    for case in ("eye_gaze_truncated_5_only", "eye_gaze_truncated_9_only"):
        assert {r["action"] for r in expected if r["original_id"] in truth22["cases"][case]} == {"relabelled"}


@pytest.mark.xdist_group("synth22")
def test_reflacx_labels_recomputed_from_files(gen22: Path, truth22: dict) -> None:
    seen = {}
    for phase in (1, 2, 3):
        for r in read_rows(table_path(gen22, "reflacx-1.0.0", f"metadata_phase_{phase}")):
            pattern = {1: r"P102R\d{6}", 2: r"P2\d\dR\d{6}", 3: r"P300R\d{6}"}[phase]
            assert re.fullmatch(pattern, r["id"])
            assert re.fullmatch(
                rf"physionet\.org/files/mimic-cxr/2\.0\.0/files/p1\d/p{r['subject_id']}/s\d{{8}}/{r['dicom_id']}\.dcm",
                r["image"],
            )
            seen[r["id"]] = merge_reflacx(r)
    assert truth22["reflacx_labels"] == seen
    (mass,) = truth22["cases"]["reflacx_case_mass_and_nodule"]
    assert truth22["reflacx_labels"][mass]["Lung nodule or mass"] == 5
    assert truth22["reflacx_labels"][mass]["Pleural abnormality"] == 4
    assert truth22["reflacx_labels"][mass]["Acute fracture"] == 0
    (p2,) = truth22["cases"]["reflacx_case_phase2_merge_groups"]
    assert truth22["reflacx_labels"][p2]["Support devices"] is True
    assert truth22["reflacx_labels"][p2]["Quality issue"] is False
    dicoms: dict[str, int] = defaultdict(int)
    for phase in (1, 2, 3):
        for r in read_rows(table_path(gen22, "reflacx-1.0.0", f"metadata_phase_{phase}")):
            dicoms[r["dicom_id"]] += 1
    assert max(dicoms.values()) >= 3, "one dicom_id read by several radiologists"
    root = release_root(gen22, "reflacx-1.0.0", "")
    gaze = release_tables("reflacx-1.0.0")["gaze"].path
    for case in truth22["cases"]["reflacx_case_discarded"]:
        assert not (root / gaze.format(id=case)).exists()
