"""Closing the loop pickle <-> mart: HAIM's procedure (haim_reference.py) run on the pickles that
`python -m export haim` writes gives the numbers of marts.haim_embeddings, so a user who runs HAIM's own
embedding code on our pickles gets the mart's values."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import haim_mart_release
import haim_reference as ref
import pandas as pd
import pytest
from test_haim_embeddings_mart import KEY, assert_agrees

from mimic_mm.haim_patient import ATTRIBUTES, read_key_ids, sample_path

pytestmark = pytest.mark.xdist_group("haim_mart_release")
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pickles(mart_release: haim_mart_release.MartRelease, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("loop") / "haim"
    cmd = [sys.executable, "-m", "export", "--db", str(mart_release.warehouse), "haim", "--out", str(out),
           "--no-images", "--workers", "1"]  # fmt: skip
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_haims_procedure_on_the_pickles_gives_the_mart(pickles: Path, mart: pd.DataFrame) -> None:
    rows = []
    samples = 0
    for haim_id, *_ in read_key_ids(pickles):
        with open(sample_path(pickles, haim_id), "rb") as fh:
            patient = pickle.load(fh)  # plain pickle, as HAIM's own code loads them
        assert list(vars(patient)) == list(ATTRIBUTES)
        rows += ref.embedding_rows(patient, haim_id)
        samples += 1
    assert samples > 10 and len(rows) > 10
    from_pickles = pd.DataFrame(rows).set_index(KEY).sort_index()
    assert_agrees(mart[[c for c in mart.columns if c in {*KEY, *from_pickles.columns}]], from_pickles)
