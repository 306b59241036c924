"""Resume after an interruption, --force, --no-index, link modes, workers, verify and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from eye_expect import export_args
from eye_fixture_lake import BOTH, EYE_SUBJECTS, REFLACX_ONLY

from mimic_mm.export.atomic import LOCK_NAME
from mimic_mm.export.mimic_eye import run, verify
from mimic_mm.export.mimic_eye.cli import add_verify_arguments
from mimic_mm.export.mimic_eye.entry import SettingsChangedError
from mimic_mm.export.mimic_eye.fingerprint import MANIFEST
from mimic_mm.export.mimic_eye.patient import PatientWriter

pytestmark = pytest.mark.xdist_group("eye_export")


def tree(root: Path) -> dict[str, bytes]:
    """Every file's bytes (the lock file holds the pid of the last run, not data)."""
    files = (p for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(LOCK_NAME))
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def test_interrupted_export_resumes_to_same_result(
    mini, mini_exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "mimic-eye"
    original = PatientWriter.write
    calls = {"n": 0}

    def crash_on_third(self, root, subject_id, tables):
        calls["n"] += 1
        if calls["n"] == 3:
            original(self, root, subject_id, tables)  # half a folder is on disk when the crash comes
            raise KeyboardInterrupt
        return original(self, root, subject_id, tables)

    monkeypatch.setattr(PatientWriter, "write", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        run(export_args(mini.db, out))
    monkeypatch.setattr(PatientWriter, "write", original)
    done = sorted(p.name for p in out.iterdir() if p.name not in (LOCK_NAME, MANIFEST))
    assert done == [f"patient_{s}" for s in sorted(EYE_SUBJECTS)[:2]], "only complete folders are visible"
    first = (out / done[0] / "Hosp" / "admissions.csv").stat().st_mtime_ns
    assert run(export_args(mini.db, out)) == 0
    assert (out / done[0] / "Hosp" / "admissions.csv").stat().st_mtime_ns == first, "complete folder rebuilt"
    assert tree(out) == tree(mini_exported)


def test_force_rebuilds_and_subject_selection(mini, tmp_path: Path) -> None:
    out = tmp_path / "mimic-eye"
    assert run(export_args(mini.db, out, subjects=str(BOTH), spreadsheets=False)) == 0
    assert sorted(p.name for p in out.glob("patient_*")) == [f"patient_{BOTH}"]
    marker = out / f"patient_{BOTH}" / "stale.txt"
    marker.write_text("x")
    assert run(export_args(mini.db, out, subjects=str(BOTH), spreadsheets=False)) == 0
    assert marker.exists(), "a complete folder is skipped without --force"
    assert run(export_args(mini.db, out, subjects=str(BOTH), spreadsheets=False, force=True)) == 0
    assert not marker.exists()
    with pytest.raises(SettingsChangedError, match=r"limit: null -> 2.*pass --force"):
        run(export_args(mini.db, out, limit=2, spreadsheets=False))
    assert run(export_args(mini.db, out, limit=2, spreadsheets=False, force=True)) == 0
    assert sorted(p.name for p in out.glob("patient_*")) == [f"patient_{s}" for s in sorted(EYE_SUBJECTS)[:2]]


def test_no_index_and_link_modes(mini, mini_exported: Path, tmp_path: Path) -> None:
    out = tmp_path / "mimic-eye"
    assert run(export_args(mini.db, out, index=False, link="copy", subjects=str(BOTH))) == 0
    for rel in (f"patient_{BOTH}/Hosp/admissions.csv", "spreadsheets/cxr_meta.csv"):
        clean = pd.read_csv(out / rel, dtype=str, keep_default_na=False)
        indexed = pd.read_csv(mini_exported / rel, dtype=str, keep_default_na=False, index_col=0)
        assert (out / rel).read_text().split(",", 1)[0] != ""
        pd.testing.assert_frame_equal(clean, indexed.reset_index(drop=True))
    jpgs = sorted((out / f"patient_{BOTH}" / "CXR-JPG").rglob("*.jpg"))
    linked = sorted((mini_exported / f"patient_{BOTH}" / "CXR-JPG").rglob("*.jpg"))
    assert jpgs and all(p.stat().st_nlink == 1 and p.stat().st_mode & 0o077 == 0 for p in jpgs)
    assert all(p.stat().st_nlink > 1 for p in linked), "auto mode hard-links on one file system"
    sym = tmp_path / "sym"
    assert run(export_args(mini.db, sym, link="symlink", subjects=str(BOTH), spreadsheets=False)) == 0
    assert all(p.is_symlink() for p in (sym / f"patient_{BOTH}" / "CXR-JPG").rglob("*.jpg"))


def test_workers_give_the_same_result(mini, mini_exported: Path, tmp_path: Path) -> None:
    out = tmp_path / "mimic-eye"
    assert run(export_args(mini.db, out, workers=2)) == 0
    assert tree(out) == tree(mini_exported)


def _verify(db: Path, folder: Path) -> int:
    import argparse

    parser = argparse.ArgumentParser()
    add_verify_arguments(parser)
    return verify(parser.parse_args(["--db", str(db), str(folder)]))


def test_verify_accepts_export_and_finds_damage(mini, mini_exported: Path, tmp_path: Path) -> None:
    assert _verify(mini.db, mini_exported) == 0
    copy = tmp_path / "copy"
    subprocess.run(["cp", "-a", str(mini_exported), str(copy)], check=True)
    adm = copy / f"patient_{REFLACX_ONLY}" / "Hosp" / "admissions.csv"
    df = pd.read_csv(adm, index_col=0, dtype=str, keep_default_na=False)
    df.iloc[:-1].to_csv(adm)  # one row lost
    next((copy / f"patient_{BOTH}" / "CXR-JPG").rglob("*.jpg")).unlink()
    assert _verify(mini.db, copy) == 1


def test_cli_help_lists_every_option() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    res = subprocess.run(
        [sys.executable, "-m", "export", "mimic-eye", "--help"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    for option in (
        "--subjects",
        "--limit",
        "--shard",
        "--workers",
        "--force",
        "--no-index",
        "--link",
        "--out",
    ):
        assert option in res.stdout


def test_missing_image_is_listed_and_folder_still_written(mini_exported: Path) -> None:
    folder = mini_exported / f"patient_{REFLACX_ONLY}"
    own = pd.read_csv(folder / "export_errors.csv")
    assert list(own.kind) == ["missing_image"]
    assert not (folder / own.file[0]).exists()
    assert (folder / "Hosp" / "admissions.csv").exists() and (folder / "REFLACX" / "metadata.csv").exists()
    everything = pd.read_csv(mini_exported / "export_errors.csv")
    assert list(everything.dicom_id) == list(own.dicom_id)
