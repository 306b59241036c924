"""HAIM export of a synthetic release: contents against the lake, layout, errors, resume, locking, safety."""

from __future__ import annotations

import csv
import io
import pickle
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from haim_expect import SPEC, Lake, ordered_rows, rows
from haim_pipeline import GROUP, run_haim

from mimic_mm.export.atomic import ExportLock, ExportLockedError
from mimic_mm.export.cli import main as export_main
from mimic_mm.export.haim.portable_pickle import dumps
from mimic_mm.export.haim.release_columns import expected_columns
from mimic_mm.export.haim.spec import attributes
from mimic_mm.haim_patient import (
    ATTRIBUTES,
    Patient_ICU,
    UnsafePickleError,
    load_patient,
    read_key_ids,
    safe_load,
)

pytestmark = pytest.mark.xdist_group(GROUP)
SPEC_DERIVED = {a.name: a.derived for a in attributes()}


def key_rows(out: Path) -> list[tuple[int, int, int, int]]:
    return list(read_key_ids(out))


def assert_same_export(a: Path, b: Path) -> None:
    """Same files; text files byte for byte, pickles value for value (frames with dtypes, images)."""
    files = sorted(str(p.relative_to(a)) for p in a.rglob("*") if p.is_file() and not p.name.startswith("."))
    assert files == sorted(
        str(p.relative_to(b)) for p in b.rglob("*") if p.is_file() and not p.name.startswith(".")
    )
    for name in files:
        if not name.endswith(".pkl"):
            assert (a / name).read_bytes() == (b / name).read_bytes(), name
            continue
        x, y = (safe_load(io.BytesIO((root / name).read_bytes())) for root in (a, b))
        for attr in ATTRIBUTES:
            u, v = getattr(x, attr), getattr(y, attr)
            if attr == "imcxr":
                assert len(u) == len(v) and all(
                    (i is None and j is None) or np.array_equal(i, j) for i, j in zip(u, v, strict=True)
                ), name
            else:
                pd.testing.assert_frame_equal(u, v, check_exact=True, obj=f"{name} {attr}")


def check_against_lake(
    lake: Lake, patient: Patient_ICU, ids: tuple[int, int, int], window=(None, None)
) -> None:
    """Columns by SPEC's rule for the 2.2 release, rows and their order (release-file order, dictionary
    matches multiplied in its order) against the lake, derived columns recomputed from the lake."""
    columns = expected_columns("mimic-iv-2.2")
    admit = lake.admittime(ids[1])
    for attr in SPEC:
        got = getattr(patient, attr)
        want = lake.expected(attr, ids, window)
        assert list(got.columns) == columns[attr], attr
        pairs = [(c, c.lower()) for c in got.columns if c.lower() in want.columns]
        # every release column is compared (the lake also holds other releases' columns, all NULL here)
        assert len(pairs) == len(got.columns) - len(SPEC_DERIVED.get(attr, ())), attr
        assert ordered_rows(got, [g for g, _ in pairs]) == ordered_rows(want, [w for _, w in pairs]), (
            f"{attr} of stay {ids}"
        )
        if "deltacharttime" in got.columns:
            hours = (pd.to_datetime(want["charttime"]) - admit).dt.total_seconds() / 3600
            assert ordered_rows(got, ["deltacharttime"]) == ordered_rows(hours.to_frame("h"), ["h"]), attr
        if "stay_id" in SPEC_DERIVED.get(attr, ()):
            linked = ids[2] if attr in ("dsnotes", "radnotes") else None
            assert [None if pd.isna(v) else int(v) for v in got["stay_id"]] == [linked] * len(got), attr


def test_key_file_and_layout(release, exported: Path) -> None:
    lake = Lake(release.lake)
    icu = lake.table("icu/icustays")
    with_cxr = set(lake.table("cxr_jpg/metadata")["subject_id"])
    stays = icu[["subject_id", "hadm_id", "stay_id"]].itertuples(index=False)
    want = sorted((int(s), int(h), int(st)) for s, h, st in stays if s in with_cxr)
    keys = key_rows(exported)
    assert [k[1:] for k in keys] == want and [k[0] for k in keys] == list(range(len(want)))
    with open(exported / "haim_mimiciv_key_ids.csv", newline="") as fh:
        assert next(csv.reader(fh)) == ["haim_id", "subject_id", "hadm_id", "stay_id"]
    files = sorted(p.relative_to(exported).as_posix() for p in (exported / "pickle").rglob("*.pkl"))
    assert files == [f"pickle/folder{h // 1000:02d}/{h:08d}.pkl" for h, *_ in keys]
    assert oct((exported / "pickle" / "folder00").stat().st_mode & 0o777) == "0o700"


def edge_case_stays(lake: Lake, out: Path) -> dict[str, list[tuple[int, int, int, int]]]:
    """Stays chosen from the lake (not from the export) to cover the cases the SPEC rules must get right."""
    keys = key_rows(out)
    per_subject = pd.Series([k[1] for k in keys]).value_counts()
    several = int(per_subject[per_subject >= 2].index[0])
    files = set(lake.table("cxr_jpg/image_files")["dicom_id"])
    meta = lake.table("cxr_jpg/metadata")
    missing_subjects = set(meta[~meta["dicom_id"].isin(files)]["subject_id"])
    no_cxr = []
    for k in keys:
        s, times = lake.stay(k[3]), lake.cxr(k[1])["study_datetime"]
        if not times.between(s["intime"], s["outtime"]).any():
            no_cxr.append(k)
    cases = {
        "several ICU stays": [k for k in keys if k[1] == several],
        "no CXR during the stay": no_cxr[:3],
        "CXR image missing on disk": [k for k in keys if k[1] in missing_subjects][:3],
        "others": keys[::10],
    }
    for name, stays in cases.items():
        assert stays, f"the synthetic release has no stay with {name}"
    return cases


def test_chosen_stays_hold_the_spec_rows(release, exported: Path) -> None:
    lake = Lake(release.lake)
    for _case, stays in edge_case_stays(lake, exported).items():
        for haim_id, sid, hadm, stay in stays:
            p = load_patient(exported, haim_id=haim_id)
            assert list(vars(p)) == list(ATTRIBUTES)
            check_against_lake(lake, p, (sid, hadm, stay))
            # cxr: every image of the subject (subject-level rule) in time order, images aligned
            assert list(p.cxr["dicom_id"]) == list(lake.cxr(sid)["dicom_id"])
            assert p.cxr["cxrtime"].tolist() == lake.cxr(sid)["study_datetime"].tolist()
            assert len(p.imcxr) == len(p.cxr)
            assert "jpg_path" not in p.cxr.columns
            assert p.ecgnotes.empty and list(p.ecgnotes.columns) == list(p.dsnotes.columns)
            core = p.admissions.merge(p.demographics, how="left").merge(p.transfers, how="left")
            assert rows(p.core, list(core.columns)) == rows(core, list(core.columns))
            assert repr(p) == f"Patient_ICU(subject_id={sid}, hadm_id={hadm}, stay_id={stay})"
    keys = key_rows(exported)
    by_id = load_patient(exported, ids=keys[-1][1:])
    assert by_id.icustays["stay_id"].tolist() == [keys[-1][3]]


def test_drgcodes_hold_drg_codes(exported: Path) -> None:
    seen = 0
    for haim_id, *_ in key_rows(exported):
        drg = load_patient(exported, haim_id=haim_id).drgcodes
        assert {"drg_type", "drg_code", "description"} <= set(drg.columns)
        assert "icd_code" not in drg.columns
        seen += len(drg)
    assert seen > 0


def test_frames_load_in_pandas_2(exported: Path) -> None:
    p = load_patient(exported, haim_id=0)
    for attr in ATTRIBUTES:
        value = getattr(p, attr)
        if isinstance(value, pd.DataFrame):
            assert not any(isinstance(t, pd.StringDtype) for t in value.dtypes), attr
            for col, t in value.dtypes.items():
                assert not (t.kind == "M" and str(t) != "datetime64[ns]"), (attr, col)
    assert p.chartevents["charttime"].dtype == "datetime64[ns]"


def test_missing_image_is_reported_and_sample_written(release, exported: Path) -> None:
    files = Lake(release.lake).table("cxr_jpg/image_files")
    on_disk = set(files["dicom_id"])
    with open(exported / "haim_errors.csv", newline="") as fh:
        errors = list(csv.DictReader(fh))
    assert errors, "the release needs a CXR image missing on disk"
    missing = [e for e in errors if e["dicom_id"] not in on_disk]
    assert missing
    for e in missing:
        p = load_patient(exported, haim_id=int(e["haim_id"]))
        pos = list(p.cxr["dicom_id"]).index(e["dicom_id"])
        assert p.imcxr[pos] is None
        others = [img for img in p.imcxr if img is not None]
        assert all(img.shape == (224, 224) and img.dtype == np.uint8 for img in others)


def test_verify_passes_and_detects_damage(release, exported: Path, tmp_path: Path, capsys) -> None:
    assert export_main(["verify", str(exported), "--db", str(release.db)]) == 0
    assert export_main(["verify", str(exported.parent), "--db", str(release.db), "--sample", "5"]) == 0
    damaged = tmp_path / "haim"
    import shutil

    shutil.copytree(exported, damaged)
    victim = damaged / "pickle" / "folder00" / "00000001.pkl"
    p = load_patient(damaged, haim_id=1)
    p.labevents = p.labevents.iloc[1:].reset_index(drop=True)
    victim.write_bytes(dumps(p))
    (damaged / "pickle" / "folder00" / "00099999.pkl").write_bytes(victim.read_bytes())
    capsys.readouterr()
    assert export_main(["verify", str(damaged), "--db", str(release.db)]) == 1


def test_safe_loader_refuses_crafted_pickle(exported: Path, tmp_path: Path) -> None:
    class Evil:
        def __reduce__(self):
            return (subprocess.call, (["touch", str(tmp_path / "pwned")],))

    crafted = pickle.dumps(Evil())
    with pytest.raises(UnsafePickleError, match="subprocess"):
        safe_load(io.BytesIO(crafted))
    assert not (tmp_path / "pwned").exists()
    with pytest.raises(UnsafePickleError, match="expected a Patient_ICU"):
        safe_load(io.BytesIO(pickle.dumps({"a": 1})))
    good = (exported / "pickle" / "folder00" / "00000000.pkl").read_bytes()
    assert isinstance(safe_load(io.BytesIO(good)), Patient_ICU)


def test_interrupted_export_resumes_identically(release, exported: Path, tmp_path: Path) -> None:
    out = tmp_path / "haim"
    cmd = [sys.executable, "-m", "export", "-q", "haim", "--db", str(release.db), "--out", str(out),
           "--workers", "1", "--chunk-subjects", "5"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.rglob("*.pkl"))) < 5:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = len(list(out.rglob("*.pkl")))
    assert 0 < done < len(key_rows(exported)), "the export should have been interrupted midway"
    # a truncated pickle (a crash the rename did not protect) must be detected and rewritten
    first = sorted(out.rglob("*.pkl"))[0]
    first.write_bytes(first.read_bytes()[:100])
    assert run_haim(release.db, out, "--workers", "2") == 0
    assert_same_export(out, exported)
    assert not [p for p in out.rglob(".*") if ".tmp-" in p.name]


def test_second_export_into_same_folder_is_refused(release, tmp_path: Path) -> None:
    out = tmp_path / "haim"
    with ExportLock(out), pytest.raises(ExportLockedError, match="another export"):
        run_haim(release.db, out, "--limit", "1")


def test_settings_change_needs_force(release, tmp_path: Path) -> None:
    out = tmp_path / "haim"
    assert run_haim(release.db, out, "--limit", "2", "--no-images") == 0
    with pytest.raises(RuntimeError, match="other settings"):
        run_haim(release.db, out, "--limit", "2")
    assert run_haim(release.db, out, "--limit", "2", "--force") == 0


def test_window_shards_and_no_images(release, exported: Path, tmp_path: Path) -> None:
    lake = Lake(release.lake)
    out = tmp_path / "haim"
    for k in (1, 2):
        argv = ("--shard", f"{k}/2", "--start-hour", "0", "--end-hour", "24", "--no-images", "--workers", "1")
        assert run_haim(release.db, out, *argv) == 0
    keys = key_rows(exported)
    assert len(list(out.rglob("*.pkl"))) == len(keys)
    chosen = {k for stays in edge_case_stays(lake, exported).values() for k in stays}
    for haim_id, sid, hadm, stay in sorted(chosen):
        p = load_patient(out, haim_id=haim_id)
        check_against_lake(lake, p, (sid, hadm, stay), (0, 24))
        admit = lake.admittime(hadm)
        assert p.cxr["cxrtime"].between(admit, admit + pd.Timedelta(hours=24)).all()
        assert p.imcxr == []
    assert export_main(["verify", str(out), "--db", str(release.db)]) == 0
