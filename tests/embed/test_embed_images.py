"""`embed images` against HAIM's own per-image procedure (independent code in haim_image_reference), on every
image of the synthetic release's HAIM cohort; plus batched vs single, a zeros image, the op_threshs output
transform, and a missing weights file."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import haim_image_reference as ref
import numpy as np
import pyarrow.parquet as pq
import pytest
from conftest import ImageRun, Models, embed

pytestmark = pytest.mark.xdist_group("embed_release")


def stored_images(lake: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    table = pq.read_table(sorted((lake / "embeddings" / "image_vectors").glob("part-*.parquet")))
    out = {}
    for dicom_id, vd, vp in zip(
        *(table.column(c).to_pylist() for c in ("dicom_id", "vd", "vp")), strict=True
    ):
        assert dicom_id not in out, f"{dicom_id} stored twice"
        out[dicom_id] = (np.array(vd, np.float32), np.array(vp, np.float32))
    return out


def cohort_images(warehouse: Path) -> dict[str, str | None]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.sql("select dicom_id, jpg_path from marts.haim_cxr").fetchall())


def test_vectors_equal_haim_per_image_procedure(image_run: ImageRun, release, models: Models) -> None:
    images = cohort_images(release.warehouse)
    stored = stored_images(image_run.lake)
    on_disk = {d: p for d, p in images.items() if p is not None and Path(p).exists()}
    assert len(on_disk) >= 30 and set(stored) == set(on_disk)
    model = ref.haim_model(models.densenet)
    for dicom_id, path in sorted(on_disk.items()):
        vd, vp = ref.haim_vectors(model, ref.haim_pixels(path))
        got_vd, got_vp = stored[dicom_id]
        assert got_vd.shape == (1024,) and got_vp.shape == (18,)
        assert ref.close(got_vd, vd).all(), f"vd of {dicom_id}: max diff {np.abs(got_vd - vd).max()}"
        assert ref.close(got_vp, vp).all(), f"vp of {dicom_id}: max diff {np.abs(got_vp - vp).max()}"


def test_missing_file_is_counted_not_written(image_run: ImageRun, release) -> None:
    images = cohort_images(release.warehouse)
    missing = {d for d, p in images.items() if p is None or not Path(p).exists()}
    assert missing, "the synthetic release plants an image without a JPG file"
    manifest = json.loads((image_run.lake / "embeddings" / "image_vectors" / "_manifest.json").read_text())
    assert set(manifest["skipped"]) == missing
    assert manifest["rows"] == len(images) - len(missing) and manifest["complete"] is True
    assert manifest["kind"] == "image_vectors" and manifest["decode"] == "opencv"
    assert manifest["precision"] == "float32" and len(manifest["weights_sha256"]) == 64
    assert not missing & set(stored_images(image_run.lake))
    assert "skipped (missing or unreadable file)" in image_run.stdout


def _embedder(state_dict: Path):  # type: ignore[no-untyped-def]
    import torch

    from mimic_mm.embed.image_model import ImageEmbedder, file_weights, load_densenet

    return ImageEmbedder(load_densenet(file_weights(state_dict)), torch.device("cpu"))


def _normalized(*images: np.ndarray) -> np.ndarray:
    from mimic_mm.embed.decode import normalize

    return normalize(np.stack(images))


def test_batched_equals_single_and_zeros_image(release, models: Models) -> None:
    paths = [p for p in cohort_images(release.warehouse).values() if p and Path(p).exists()][:3]
    arrays = [ref.haim_pixels(p) for p in paths] + [np.zeros((224, 224), np.uint8)]
    embedder = _embedder(models.densenet)
    vd_batch, vp_batch = embedder(_normalized(*arrays))
    model = ref.haim_model(models.densenet)
    for k, arr in enumerate(arrays):
        vd_one, vp_one = embedder(_normalized(arr))
        assert ref.close(vd_batch[k], vd_one[0]).all() and ref.close(vp_batch[k], vp_one[0]).all()
        vd, vp = ref.haim_vectors(model, arr)
        assert ref.close(vd_batch[k], vd).all() and ref.close(vp_batch[k], vp).all()
    assert np.abs(vd_batch[-1] - vd_batch[0]).max() > 1e-3, "the zeros image gives vectors of its own"


def test_output_transform_follows_the_weights(tmp_path: Path, release, models: Models) -> None:
    """vp from the pooled features goes through the model's own output transform: sigmoid + op_norm with
    HAIM's thresholds (a NaN threshold gives 0.5, as torchxrayvision's op_norm does); the raw classifier
    output when the state_dict has no thresholds."""
    import torch

    path = next(p for p in cohort_images(release.warehouse).values() if p and Path(p).exists())
    arr = ref.haim_pixels(path)
    _, vp = _embedder(models.densenet)(_normalized(arr))
    nan = np.isnan(torch.load(models.densenet, weights_only=True)["op_threshs"].numpy())
    assert nan.any() and np.allclose(vp[0][nan], 0.5) and ((vp[0] >= 0) & (vp[0] <= 1)).all()

    state = torch.load(models.densenet, weights_only=True)
    del state["op_threshs"]
    torch.save(state, tmp_path / "plain.pt")
    vd, vp = _embedder(tmp_path / "plain.pt")(_normalized(arr))
    vd_ref, vp_ref = ref.haim_vectors(ref.haim_model(tmp_path / "plain.pt"), arr)
    assert ref.close(vd[0], vd_ref).all() and ref.close(vp[0], vp_ref).all()
    assert (vp[0] < 0).any(), "logits, not probabilities"


def test_missing_weights_clear_error_nothing_downloaded(tmp_path: Path, release, home: Path) -> None:
    lake = tmp_path / "lake"
    empty = tmp_path / "weights"
    empty.mkdir()
    proc = embed(["images", "--db", str(release.warehouse), "--lake", str(lake), "--weights",
                  "densenet121-res224-chex", "--weights-dir", str(empty)], home, check=False)  # fmt: skip
    expected = empty / "chex-densenet121-d121-tw-lr001-rot45-tr15-sc15-seed0-best.pt"
    assert proc.returncode != 0
    assert f"weights file not found: {expected}" in proc.stderr
    assert "nothing is downloaded" in proc.stderr and "Downloading" not in proc.stdout + proc.stderr
    assert list(empty.iterdir()) == [] and not (lake / "embeddings").exists()

    # torchxrayvision's own cache folder (under HOME) when no --weights-dir: named, and left untouched
    proc = embed(["images", "--db", str(release.warehouse), "--lake", str(lake),
                  "--weights", "densenet121-res224-chex"], home, check=False)  # fmt: skip
    cache = home / ".torchxrayvision" / "models_data" / expected.name
    assert proc.returncode != 0 and f"weights file not found: {cache}" in proc.stderr
    assert not (home / ".torchxrayvision").exists()

    proc = embed(["images", "--db", str(release.warehouse), "--lake", str(lake),
                  "--weights-file", str(tmp_path / "nope.pt")], home, check=False)  # fmt: skip
    assert proc.returncode != 0 and f"weights file not found: {tmp_path / 'nope.pt'}" in proc.stderr
