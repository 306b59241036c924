"""`python -m export haim-embeddings` with vectors: the whole table (marts.haim_fusion) as HAIM's CSV and as
Parquet, HAIM's columns in order, the model values as in the mart, `export verify` passing; and a warehouse
built before the vectors reached the lake is refused with the command that rebuilds it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from haim_fusion_release import FusionRelease
from test_haim_fusion_mart import HAIM_COLUMNS

from mimic_mm.export.cli import main as export_main

pytestmark = pytest.mark.xdist_group("haim_fusion_release")
REPO = Path(__file__).resolve().parents[2]
FILE_COLUMNS = [*HAIM_COLUMNS, "subject_id", "hadm_id", "stay_id"]


def export(db: Path, out: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "export", "haim-embeddings", "--db", str(db), "--out", str(out), *argv]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def exported(fusion: FusionRelease, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fusion_export")
    for fmt in ("csv", "parquet"):
        res = export(fusion.warehouse, out, "--format", fmt)
        assert res.returncode == 0, res.stderr[-3000:]
        assert "whole (marts.haim_fusion; vectors: image and note)" in res.stdout + res.stderr
    return out


def test_whole_table_in_haim_order(exported: Path, fusion: FusionRelease) -> None:
    assert pd.read_csv(exported / "haim_embeddings.csv", nrows=0).columns.tolist() == FILE_COLUMNS
    assert pq.read_schema(exported / "haim_embeddings.parquet").names == FILE_COLUMNS
    frame = pd.read_csv(exported / "haim_embeddings.csv")
    with duckdb.connect(str(fusion.warehouse), read_only=True) as con:
        mart = con.execute("select * from marts.haim_fusion order by haim_id, img_id").df()
    assert len(frame) == len(mart) > 100
    # float32 columns are written in float32's shortest form (as pandas writes HAIM's float32 vectors): they
    # read back as that float32 value; float64 columns read back bit for bit.
    for block in ("vd_0", "vp_17"):
        assert np.array_equal(frame[block].to_numpy(np.float32), mart[block].to_numpy(np.float32)), block
    for block in ("vmd_1023", "vmp_0", "n_ecg_0", "n_ech_767", "n_rad_0", "n_rad_767"):
        assert np.array_equal(frame[block].to_numpy(float), mart[block].to_numpy(float)), block
    parquet = pq.read_table(exported / "haim_embeddings.parquet", columns=["vd_0", "n_rad_0"])
    assert np.array_equal(parquet.column("vd_0").to_numpy(), mart["vd_0"].to_numpy(np.float32))
    assert np.array_equal(parquet.column("n_rad_0").to_numpy(), mart["n_rad_0"].to_numpy(float))


def test_verify_passes(exported: Path, fusion: FusionRelease) -> None:
    assert export_main(["verify", str(exported), "--db", str(fusion.warehouse)]) == 0


def test_warehouse_built_before_the_vectors_is_refused(fusion: FusionRelease, tmp_path: Path) -> None:
    res = export(fusion.release.warehouse, tmp_path / "stale")
    assert res.returncode != 0
    assert "dbt build --select +haim_fusion" in res.stderr
    assert not (tmp_path / "stale" / "haim_embeddings.csv").exists()
    res = export(fusion.release.warehouse, tmp_path / "tabular", "--table", "tabular")
    assert res.returncode == 0, res.stderr[-3000:]
    header = pd.read_csv(tmp_path / "tabular" / "haim_embeddings.csv", nrows=0).columns.tolist()
    assert "vd_0" not in header and "ts_ce_0" in header
