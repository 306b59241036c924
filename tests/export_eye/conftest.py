"""Session fixtures: the project's synthetic release (synth → convert → dbt) exported once, and a small
hand-planted release (eye_fixture_lake) for the behaviour tests that run many exports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import eye_fixture_lake as fixture_lake
import pytest
from eye_expect import export_args

from mimic_mm.dbt_env import dbt_env

REPO = Path(__file__).resolve().parents[2]
SUBJECTS, SEED = 200, 1  # at this size the release holds every edge case the tests need (eye_expect.roles)


def _run(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> None:
    with open(log, "w") as fh:
        res = subprocess.run(
            cmd, stdout=fh, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=REPO
        )
    if res.returncode:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed (exit {res.returncode}); see {log}")


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> fixture_lake.Release:
    """The real pipeline on a synthetic release of SUBJECTS subjects."""
    root = tmp_path_factory.mktemp("eye_pipeline")
    raw, lake, db = root / "raw", root / "lake", root / "warehouse.duckdb"
    py = sys.executable
    _run(
        [py, "-m", "synth", "--out", str(raw), "--subjects", str(SUBJECTS), "--seed", str(SEED)],
        root / "synth.log",
    )
    _run([py, "-m", "convert", str(raw), "--lake", str(lake)], root / "convert.log")
    env = dbt_env(lake, db)
    dbt = str(Path(py).with_name("dbt"))
    _run(
        # models only: the dbt tests run in tests/dbt_models; here the warehouse is the exporter's input
        [
            dbt,
            "build",
            "--target-path",
            str(root / "target"),
            "--log-path",
            str(root / "logs"),
            "--exclude",
            "resource_type:test",
            "resource_type:unit_test",
        ],
        root / "dbt.log",
        env,
    )
    return fixture_lake.Release(db=db, lake=lake, raw=raw)


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
