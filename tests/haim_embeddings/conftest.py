"""Session fixtures of the HAIM embeddings tests: one synthetic release with the mart built (and its strict
variant), and the independent reference implementation's rows for it, computed once."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import haim_mart_release
import haim_reference
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: shared_dirs

from shared_dirs import shared_dir


@pytest.fixture(scope="session")
def mart_release(tmp_path_factory: pytest.TempPathFactory) -> haim_mart_release.MartRelease:
    with shared_dir(tmp_path_factory, "haim_mart_release") as (folder, built):
        if built:
            return haim_mart_release.MartRelease.at(folder)
        return haim_mart_release.build(folder)


def read(warehouse: Path, query: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.sql(query).df()


@pytest.fixture(scope="session")
def samples(mart_release: haim_mart_release.MartRelease) -> pd.DataFrame:
    return read(mart_release.warehouse, "select * from marts.haim_samples order by haim_id")


def reference_rows(
    release: haim_mart_release.MartRelease, samples: pd.DataFrame, time_bound: str
) -> pd.DataFrame:
    rows = [
        row
        for haim_id, patient in haim_reference.lake_patients(release.lake, samples)
        for row in haim_reference.embedding_rows(patient, haim_id, time_bound)
    ]
    return pd.DataFrame(rows).set_index(["haim_id", "img_id"]).sort_index()


@pytest.fixture(scope="session")
def reference(mart_release: haim_mart_release.MartRelease, samples: pd.DataFrame) -> pd.DataFrame:
    return reference_rows(mart_release, samples, "reference")


@pytest.fixture(scope="session")
def reference_strict(mart_release: haim_mart_release.MartRelease, samples: pd.DataFrame) -> pd.DataFrame:
    return reference_rows(mart_release, samples, "strict")


@pytest.fixture(scope="session")
def mart(mart_release: haim_mart_release.MartRelease) -> pd.DataFrame:
    return read(mart_release.warehouse, "select * from marts.haim_embeddings")


@pytest.fixture(scope="session")
def mart_strict(mart_release: haim_mart_release.MartRelease) -> pd.DataFrame:
    return read(mart_release.strict_warehouse, "select * from marts.haim_embeddings")
