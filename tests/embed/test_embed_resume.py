"""Resume and fingerprint rules of `embed images`, with real subprocesses: a run killed mid-way (SIGKILL: no
chance to clean up) is completed by the rerun with the same vectors; a rerun with the same weights does
nothing; other weights replace every vector (never mixed)."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import haim_image_reference as ref
import pytest
from conftest import PROJECT, ImageRun, Models, embed, embed_env
from test_embed_images import cohort_images, stored_images

pytestmark = pytest.mark.xdist_group("embed_release")


def _parts(lake: Path) -> dict[str, int]:
    return {
        p.name: p.stat().st_mtime_ns for p in (lake / "embeddings" / "image_vectors").glob("part-*.parquet")
    }


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_killed_run_resumes_then_up_to_date_then_replaced(
    tmp_path: Path, release, models: Models, home: Path, image_run: ImageRun
) -> None:
    lake = tmp_path / "lake"
    args = ["images", "--db", str(release.warehouse), "--lake", str(lake),
            "--weights-file", str(models.densenet), "--batch-size", "4", "--part-size", "4",
            "--workers", "1", "--device", "cpu"]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "mimic_mm.embed", *args],
        cwd=PROJECT,
        env=embed_env(home),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    while len(_parts(lake)) < 2 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    manifest = json.loads((lake / "embeddings" / "image_vectors" / "_manifest.json").read_text())
    killed_parts = _parts(lake)
    assert manifest["complete"] is False and len(killed_parts) >= 2, "the run was killed before it ended"
    partial = stored_images(lake)

    rerun = embed(args, home)
    resumed = stored_images(lake)
    expected = stored_images(image_run.lake)
    assert set(resumed) == set(expected)
    assert f"{len(partial):>12,}" in rerun.stdout.split("already embedded")[1].splitlines()[0]
    for name, mtime in killed_parts.items():  # finished parts were kept, not recomputed
        assert _parts(lake)[name] == mtime
    for dicom_id, (vd, vp) in expected.items():
        assert ref.close(resumed[dicom_id][0], vd).all() and ref.close(resumed[dicom_id][1], vp).all()
    folder = lake / "embeddings" / "image_vectors"
    assert not [p.name for p in folder.iterdir() if ".tmp-" in p.name], "no temporary file is left behind"
    assert json.loads((folder / "_manifest.json").read_text())["complete"] is True

    before = _parts(lake)
    again = embed(args, home)
    assert "up to date" in again.stdout and _parts(lake) == before

    other = [a if a != str(models.densenet) else str(models.other_densenet) for a in args]
    embed(other, home)
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert manifest["weights_sha256"] == _sha(models.other_densenet)
    tag = manifest["weights_sha256"][:12]
    assert all(name.startswith(f"part-{tag}-") for name in _parts(lake)), "no part of the old weights is left"
    replaced = stored_images(lake)
    assert set(replaced) == set(expected) and manifest["rows"] == len(expected)
    model = ref.haim_model(models.other_densenet)
    paths = cohort_images(release.warehouse)
    for dicom_id in sorted(replaced)[:3]:
        vd, vp = ref.haim_vectors(model, ref.haim_pixels(str(paths[dicom_id])))
        assert ref.close(replaced[dicom_id][0], vd).all() and ref.close(replaced[dicom_id][1], vp).all()
        assert not ref.close(replaced[dicom_id][0], expected[dicom_id][0]).all()
