"""Session fixture of the haim_fusion tests: the release with and without vectors, built once per run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: shared_dirs

import haim_fusion_release
import haim_mart_release

from shared_dirs import shared_dir


@pytest.fixture(scope="session")
def fusion(tmp_path_factory: pytest.TempPathFactory) -> haim_fusion_release.FusionRelease:
    with shared_dir(tmp_path_factory, "haim_fusion_release") as (folder, built):
        release = haim_mart_release.MartRelease.at(folder)
        if built:
            return haim_fusion_release.FusionRelease(release, folder / "vectors" / "warehouse.duckdb")
        release = haim_mart_release.build(folder)
        return haim_fusion_release.FusionRelease(release, haim_fusion_release.with_vectors(folder, release))
