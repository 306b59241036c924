"""A bare `dbt build` in the project root works without any environment variable: profiles.yml is found in
the project, the default lake (build/lake) is resolved to an absolute path, and `dbt docs generate` works.

Runs in a copy of the dbt project so a developer's build/ is never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mimic_mm.project import DBT_PROJECT_FILES

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
OVERRIDES = ("MIMIC_LAKE", "MIMIC_DUCKDB_PATH", "DBT_PROFILES_DIR", "DBT_PROJECT_DIR", "DBT_TARGET_PATH")


def copy_project(dest: Path) -> Path:
    for name in DBT_PROJECT_FILES:
        src = PROJECT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(src, dest / name)
    return dest


def bare_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OVERRIDES}
    return {**env, "DO_NOT_TRACK": "1", **extra}


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bare_dbt")
    proj = copy_project(root / "project")
    raw = root / "raw"
    for args in (
        [sys.executable, "-m", "synth", "--out", str(raw), "--subjects", "40", "--seed", "5", "--quiet"],
        [sys.executable, "-m", "convert", str(raw), "--lake", str(proj / "build" / "lake")],
    ):
        proc = run(args, PROJECT, bare_env())
        assert proc.returncode == 0, proc.stderr[-3000:]
    return proj


def test_bare_dbt_build_and_docs(project_copy: Path) -> None:
    proc = run([str(BIN / "dbt"), "build"], project_copy, bare_env())
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert "ERROR=0" in proc.stdout
    warehouse = project_copy / "build" / "warehouse.duckdb"
    assert warehouse.is_file()
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        sql = con.sql(
            "SELECT sql FROM duckdb_views() WHERE view_name = 'stg_mimiciv_hosp__admissions'"
        ).fetchall()[0][0]
        n = con.sql("SELECT count(*) FROM marts.cxr_images_linked").fetchall()[0][0]
    finally:
        con.close()
    # The view stores the absolute default lake, so the warehouse opens from any directory.
    assert f"'{project_copy / 'build' / 'lake' / 'hosp' / 'admissions.parquet'}'" in sql.replace('"', "'")
    assert n > 0

    docs = run([str(BIN / "dbt"), "docs", "generate"], project_copy, bare_env())
    assert docs.returncode == 0, docs.stdout[-4000:]
    assert (project_copy / "target" / "index.html").is_file()
    assert (project_copy / "target" / "catalog.json").is_file()


def test_explicit_relative_lake_is_refused(project_copy: Path) -> None:
    proc = run(
        [str(BIN / "dbt"), "run", "--select", "stg_mimiciv_hosp__patients", "--target-path", "target_rel"],
        project_copy,
        bare_env(MIMIC_LAKE="build/lake", MIMIC_DUCKDB_PATH=str(project_copy / "build" / "other.duckdb")),
    )
    assert proc.returncode != 0
    assert "must be an absolute path" in proc.stdout
