"""End to end: `python -m mimic_mm.embed images` and `notes` with seeded stand-in models (tests/embed's) write
the vectors of a small synthetic release into its lake, `dbt build` rebuilds the models, and every row of
marts.haim_fusion equals the independent numpy implementation of HAIM's aggregation over those vectors (the
images the embed command skips, missing or unreadable files, give NULL where HAIM would have stopped)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import haim_mart_release
import pandas as pd
import pytest
from haim_fusion_release import FusionRelease
from test_haim_fusion_mart import blocks, mismatches, reference_blocks

from mimic_mm.dbt_env import dbt_env
from shared_dirs import shared_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "embed"))
import stand_ins

pytestmark = pytest.mark.xdist_group("haim_fusion_embedded")
SUBJECTS = 40  # the generator's minimum: every planted case, few random subjects
PROJECT = Path(__file__).resolve().parents[2]


def embed(args: list[str], home: Path) -> None:
    """The embed CLI in a subprocess, offline, with a HOME of its own."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT / "python"), HOME=str(home), HF_HUB_OFFLINE="1")
    proc = subprocess.run(
        [sys.executable, "-m", "mimic_mm.embed", *args], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, f"embed {args[0]}: {proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> FusionRelease:
    with shared_dir(tmp_path_factory, "haim_fusion_embedded") as (folder, built):
        release = haim_mart_release.MartRelease.at(folder)
        if built:
            return FusionRelease(release, release.warehouse)
        release = haim_mart_release.build(folder, subjects=SUBJECTS, strict_variant=False)
        models, home = folder / "models", folder / "home"
        models.mkdir()
        home.mkdir()
        weights = stand_ins.densenet_state_dict(models / "densenet.pt", seed=1)
        bert = stand_ins.bert_folder(models / "bert", seed=3)
        db, lake = str(release.warehouse), str(release.lake)
        embed(["images", "--db", db, "--lake", lake, "--weights-file", str(weights), "--batch-size", "8",
               "--workers", "1", "--device", "cpu"], home)  # fmt: skip
        embed(["notes", "--db", db, "--lake", lake, "--model", str(bert), "--batch-size", "8",
               "--device", "cpu"], home)  # fmt: skip
        haim_mart_release.run(
            haim_mart_release.dbt_args(
                folder / "target", "build", "--select", "path:models/staging/embeddings+"
            ),
            dbt_env(release.lake, release.warehouse),
        )
        return FusionRelease(release, release.warehouse)


def test_mart_equals_the_reference_on_embedded_vectors(embedded: FusionRelease) -> None:
    mart = blocks(embedded.warehouse)
    reference = reference_blocks(embedded, mart)
    assert len(mart) == len(reference) > 20
    wrong = mismatches(mart, reference)
    assert not wrong, wrong[:10]
    # The stand-in BERT's tokenizer splits the planted notes as HAIM's splitter does: the long note has
    # several chunks, the single over-long line fails, so the rows after it take the fallback.
    cases = embedded.release.ground_truth["cases"]
    (after_failure,) = cases["haim_row_after_failed_note"]
    rows = mart[mart.index.get_level_values("img_id") == after_failure]
    assert len(rows) == 1 and not pd.isna(rows.iloc[0]["n_rad"]).any()
