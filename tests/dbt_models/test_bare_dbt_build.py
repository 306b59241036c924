"""The README's `make demo`, twice with another SUBJECTS, and a bare `dbt build` in the project root
without any environment variable: profiles.yml is found in the project, the default lake (build/lake) is
resolved to an absolute path, and `dbt docs generate` works.

Runs in a copy of the project (dbt files, Makefile, pyproject.toml) with this checkout's virtualenv, so a
developer's build/ is never touched. The Makefile's dbt step is the bare command itself (`dbt build` in the
project root; make adds only DO_NOT_TRACK and the umask)."""

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
FIRST, SECOND = "40", "44"  # SUBJECTS of the two demos


def copy_project(dest: Path) -> Path:
    for name in (*DBT_PROJECT_FILES, "Makefile", "pyproject.toml"):
        src = PROJECT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(
                src, dest / name
            )  # keeps pyproject.toml older than the venv: make does not reinstall
    return dest


def bare_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OVERRIDES}
    return {**env, "DO_NOT_TRACK": "1", **extra}


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def make_demo(project: Path, subjects: str) -> subprocess.CompletedProcess[str]:
    proc = run(["make", "--no-print-directory", "demo", f"SUBJECTS={subjects}", "SEED=5", f"BIN={BIN}"],
               project, bare_env())  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A project copy after `make demo SUBJECTS=40` then `make demo SUBJECTS=44` (no --force, no clean)."""
    proj = copy_project(tmp_path_factory.mktemp("bare_dbt") / "project")
    first = make_demo(proj, FIRST)
    assert "ERROR=0" in first.stdout and "WARN=0" in first.stdout
    return proj, make_demo(proj, SECOND)


def test_second_demo_with_other_subjects_rebuilds_what_changed(
    demos: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    proj, second = demos
    build = proj / "build"
    assert (build / "raw" / f"{FIRST}-5").is_dir() and (build / "raw" / f"{SECOND}-5").is_dir()
    assert "holds another release" in second.stdout  # the export of the first release is replaced
    assert (build / "export" / ".demo-args").read_text().split() == [f"subjects={SECOND}", "seed=5"]
    con = duckdb.connect(str(build / "warehouse.duckdb"), read_only=True)
    try:
        subjects = con.sql("select count(*) from staging.stg_mimiciv_hosp__patients").fetchall()[0][0]
    finally:
        con.close()
    assert subjects == int(SECOND)
    verify = run([str(BIN / "python"), "-m", "export", "verify", "build/export"], proj, bare_env())
    assert verify.returncode == 0, verify.stdout[-2000:] + verify.stderr[-2000:]


def test_bare_dbt_build_and_docs(demos: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    proj, second = demos
    assert "ERROR=0" in second.stdout  # the demo's `dbt build`, bare in the project root
    warehouse = proj / "build" / "warehouse.duckdb"
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
    assert f"'{proj / 'build' / 'lake' / 'hosp' / 'admissions.parquet'}'" in sql.replace('"', "'")
    assert n > 0

    docs = run([str(BIN / "dbt"), "docs", "generate"], proj, bare_env())
    assert docs.returncode == 0, docs.stdout[-4000:]
    assert (proj / "target" / "index.html").is_file()
    assert (proj / "target" / "catalog.json").is_file()


def test_explicit_relative_lake_is_refused(demos: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    project_copy = demos[0]
    proc = run(
        [str(BIN / "dbt"), "run", "--select", "stg_mimiciv_hosp__patients", "--target-path", "target_rel"],
        project_copy,
        bare_env(MIMIC_LAKE="build/lake", MIMIC_DUCKDB_PATH=str(project_copy / "build" / "other.duckdb")),
    )
    assert proc.returncode != 0
    assert "must be an absolute path" in proc.stdout
