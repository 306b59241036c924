"""`imcxr` pixels: HAIM's own OpenCV decode bit for bit on the planted real-size JPEGs (where a reduced-scale
decode differs); `--fast-images` is another mode, in the manifest, never mixed with the default."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from haim_pipeline import GROUP, Release, run_haim

from mimic_mm.haim_patient import load_patient, read_key_ids, sample_path
from mimic_mm.synth.cxr import image_rel_path
from mimic_mm.synth.generate import GROUND_TRUTH, release_root
from mimic_mm.synth.plants import REAL_SIZE_IMAGES

pytestmark = pytest.mark.xdist_group(GROUP)


def planted_images(release: Release) -> dict[str, tuple[int, Path]]:
    """dicom_id → (subject_id, JPEG path) of every planted real-size image, from the generator's truth."""
    truth = json.loads((release.raw / GROUND_TRUTH).read_text(encoding="utf-8"))
    root = release_root(release.raw, "mimic-cxr-jpg-2.0.0", "")
    found = {}
    for dicom in truth["cases"][REAL_SIZE_IMAGES]:
        image = truth["images"][dicom]
        path = root / image_rel_path(image["subject_id"], image["study_id"], dicom, "jpg")
        found[dicom] = (int(image["subject_id"]), path)
    return found


def haim_array(path: Path) -> np.ndarray:
    """What HAIM's code puts in imcxr, computed here with OpenCV directly."""
    return cv2.resize(cv2.imread(str(path), cv2.IMREAD_GRAYSCALE), (224, 224))


def exported_arrays(out: Path, images: dict[str, tuple[int, Path]]) -> dict[str, list[np.ndarray]]:
    """dicom_id → its imcxr array in every pickle of `out` that holds the image."""
    subjects = {sid for sid, _ in images.values()}
    arrays: dict[str, list[np.ndarray]] = {d: [] for d in images}
    for haim_id, sid, _, _ in read_key_ids(out):
        if sid not in subjects or not sample_path(out, haim_id).is_file():  # --subjects wrote only some
            continue
        p = load_patient(out, haim_id=haim_id)
        assert len(p.imcxr) == len(p.cxr)
        for dicom, arr in zip(p.cxr["dicom_id"], p.imcxr, strict=True):
            if dicom in arrays:
                arrays[dicom].append(arr)
    return arrays


def manifest(out: Path) -> dict:
    return json.loads((out / "haim_export.json").read_text(encoding="utf-8"))


def test_planted_images_are_real_size(release: Release) -> None:
    images = planted_images(release)
    assert len(images) >= 3
    shapes = [cv2.imread(str(path), cv2.IMREAD_GRAYSCALE).shape for _, path in images.values()]
    assert all(min(s) >= 1000 for s in shapes), shapes
    assert any(min(s) >= 2500 for s in shapes), shapes  # one of MIMIC-CXR-JPG's usual size


def test_imcxr_is_opencv_bit_for_bit(release: Release, exported: Path) -> None:
    assert manifest(exported)["image_decode"] == "opencv-imread-resize"
    images = planted_images(release)
    arrays = exported_arrays(exported, images)
    for dicom, (_, path) in images.items():
        assert arrays[dicom], f"planted image {dicom} is in no pickle"
        want = haim_array(path)
        for got in arrays[dicom]:
            assert got.dtype == np.uint8 and got.shape == (224, 224)
            off = np.abs(got.astype(int) - want).max()
            assert np.array_equal(got, want), f"{dicom}: up to {off} grey levels off"


def test_fast_images_is_another_mode(release: Release, tmp_path: Path) -> None:
    images = planted_images(release)
    subjects = ",".join(str(s) for s in sorted({sid for sid, _ in images.values()}))
    out = tmp_path / "haim"
    assert run_haim(release.db, out, "--subjects", subjects, "--fast-images", "--workers", "1") == 0
    assert manifest(out)["image_decode"] == "pil-draft-bilinear"
    for dicom, arrays in exported_arrays(out, images).items():
        want = haim_array(images[dicom][1])
        assert arrays
        for got in arrays:
            assert got.dtype == want.dtype and got.shape == want.shape
            # the draft decode's pixels: clearly not HAIM's (several grey levels on average)
            assert np.abs(got.astype(int) - want).mean() > 1, dicom

    # the default decode into the same folder would mix two modes: refused, then rebuilt with --force
    with pytest.raises(RuntimeError, match="image_decode"):
        run_haim(release.db, out, "--subjects", subjects, "--workers", "1")
    assert run_haim(release.db, out, "--subjects", subjects, "--workers", "1", "--force") == 0
    assert manifest(out)["image_decode"] == "opencv-imread-resize"
    for dicom, arrays in exported_arrays(out, images).items():
        assert arrays and all(np.array_equal(a, haim_array(images[dicom][1])) for a in arrays)


def test_fast_images_needs_images(release: Release, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="--no-images"):
        run_haim(release.db, tmp_path / "haim", "--limit", "1", "--fast-images", "--no-images")
