"""Session fixtures: one synthetic release (synth → convert → dbt) and one HAIM export of it."""

from __future__ import annotations

import sys
from pathlib import Path

import haim_pipeline
import pytest
from haim_pipeline import run_haim

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: shared_dirs

from shared_dirs import shared_dir


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> haim_pipeline.Release:
    with shared_dir(tmp_path_factory, "haim_release") as (folder, built):
        if built:
            return haim_pipeline.Release(folder / "raw", folder / "lake", folder / "warehouse.duckdb")
        return haim_pipeline.build_release(folder)


@pytest.fixture(scope="session")
def exported(release: haim_pipeline.Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full export with two workers and small chunks, so the process pool and task split are exercised."""
    with shared_dir(tmp_path_factory, "haim_export") as (folder, built):
        out = folder / "haim"
        if not built:
            assert run_haim(release.db, out, "--workers", "2", "--chunk-subjects", "7") == 0
        return out
