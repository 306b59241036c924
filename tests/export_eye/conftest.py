"""Session fixtures: the project's synthetic release (synth → convert → dbt) exported once, and a small
hand-planted release (eye_fixture_lake) for the behaviour tests that run many exports."""

from __future__ import annotations

import sys
from pathlib import Path

import eye_fixture_lake as fixture_lake
import pytest
from eye_expect import export_args

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "faults" / "eye"))
from faults_eye_release import build_release

# With the builder's 200 subjects this seed's release holds every edge case the tests need (eye_expect.roles).
SEED = 1


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> fixture_lake.Release:
    """The real pipeline on a synthetic release (the MIMIC-Eye fault tests' builder, another seed)."""
    built = build_release(tmp_path_factory.mktemp("eye_pipeline"), seed=SEED)
    return fixture_lake.Release(db=built.db, lake=built.lake, raw=built.raw)


@pytest.fixture(scope="session")
def mini(tmp_path_factory: pytest.TempPathFactory) -> fixture_lake.Release:
    return fixture_lake.build_release(tmp_path_factory.mktemp("eye_mini"))


def _export(release: fixture_lake.Release, out: Path) -> Path:
    from mimic_mm.export.mimic_eye import run

    assert run(export_args(release.db, out)) == 0
    return out


@pytest.fixture(scope="session")
def exported(release: fixture_lake.Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _export(release, tmp_path_factory.mktemp("eye_export") / "mimic-eye")


@pytest.fixture(scope="session")
def mini_exported(mini: fixture_lake.Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _export(mini, tmp_path_factory.mktemp("eye_mini_export") / "mimic-eye")
