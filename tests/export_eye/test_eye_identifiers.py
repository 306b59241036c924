"""The published identifier forms the MIMIC-Eye exporter accepts before an identifier names a path."""

from __future__ import annotations

from pathlib import Path

import pytest

from mimic_mm import identifiers as ids

DICOM = "02aa804e-bde0afdd-112c0b34-7bc16630-4e384014"


def test_identifier_forms() -> None:
    assert ids.cxr_dicom(DICOM)
    for bad in (DICOM.upper(), DICOM[:-1], DICOM + "0", "../../..", "", None, f"{DICOM}/x"):
        assert not ids.cxr_dicom(bad)
    for good in (DICOM, DICOM[:20], DICOM[:9], f"{DICOM}_calibration", f"{DICOM[:17]}_calibration"):
        assert ids.eye_gaze_dicom(good), good
    for bad in ("../../..", "", "_calibration", f"{DICOM}0", "02aa804e_bde0", f"{DICOM}_calibration/..", "."):
        assert not ids.eye_gaze_dicom(bad), bad
    assert ids.reflacx_case("P102R108387") and ids.reflacx_case("P300R000001")
    for bad in ("P102R1083870", "P12R108387", "p102r108387", "../P102R108387", "P102R108387\n"):
        assert not ids.reflacx_case(bad), bad
    assert ids.positive_int(1) and ids.positive_int("50414267")
    for bad in (0, -3, True, "1e3", "../1", None, "٣"):
        assert not ids.positive_int(bad), bad
    assert ids.file_name("audio.mp3") and not ids.file_name("..") and not ids.file_name("a/b")
    assert not ids.file_name(".hidden")


def test_safe_join_refuses_escapes_and_symlinks_out(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    assert ids.safe_join(root, "sub/a.csv") == root / "sub" / "a.csv"
    (root / "out").symlink_to(tmp_path)
    for rel in ("../x", "/etc/passwd", "sub/../../x", "out/x", ""):
        with pytest.raises(ids.UnsafePathError):
            ids.safe_join(root, rel)
    release = str(root) + "/"
    (root / "sub" / "img.jpg").write_bytes(b"x")
    assert ids.release_source(release + "sub/img.jpg", "sub/img.jpg", release) == root / "sub" / "img.jpg"
    for abs_path, rel in (("/etc/hostname", "hostname"), (release + "out/x", "out/x"), (release + "a", None)):
        with pytest.raises(ids.UnsafePathError):
            ids.release_source(abs_path, rel, release)
