"""Session fixtures of the MIMIC-Eye fault tests: one synthetic release, one uninterrupted export of it."""

from __future__ import annotations

import os
from pathlib import Path

import faults_eye_release as fx
import pytest


@pytest.fixture(scope="session")
def eye_release(tmp_path_factory: pytest.TempPathFactory) -> fx.Release:
    # FAULTS_EYE_RELEASE=DIR reuses a release an earlier session built there (raw/, lake/, warehouse.duckdb),
    # to iterate on one test without the five-minute build.
    reuse = os.environ.get("FAULTS_EYE_RELEASE")
    if reuse and (Path(reuse) / "warehouse.duckdb").is_file():
        return fx.Release(
            raw=Path(reuse) / "raw", lake=Path(reuse) / "lake", db=Path(reuse) / "warehouse.duckdb"
        )
    return fx.build_release(tmp_path_factory.mktemp("faults_eye_release"))


@pytest.fixture(scope="session")
def eye_reference(eye_release: fx.Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted export with one worker: what every other run must reproduce byte for byte."""
    out = tmp_path_factory.mktemp("faults_eye_reference") / "mimic-eye"
    res = fx.export(eye_release.db, out, "--workers", "1")
    assert res.returncode == 0, res.stderr
    return out
