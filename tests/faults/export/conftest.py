"""Fixtures of the export fault tests: one small synthetic release per session and one HAIM export of it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import faults_export_release as fr


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> fr.Release:
    return fr.shared_release(tmp_path_factory)


@pytest.fixture(scope="session")
def clean_export(release: fr.Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted HAIM export (2 workers), the reference the fault tests compare against."""
    with fr.shared_dir(tmp_path_factory, "faults_export_clean") as (folder, built):
        out = folder / "haim"
        if not built:
            proc = fr.run_export(
                "haim", "--db", str(release.db), "--out", str(out), "--workers", "2", "--chunk-subjects", "4"
            )
            assert proc.returncode == 0, proc.stderr[-3000:]
        return out
