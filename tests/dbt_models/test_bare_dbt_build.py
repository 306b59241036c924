"""The README's `make demo` examples, exactly as the README shows them and in its order (one after the other,
no --force, no clean), and a bare `dbt build` in the project root
without any environment variable: profiles.yml is found in the project, the default lake (build/lake) is
resolved to an absolute path, and `dbt docs generate` works.

Runs in a copy of the project (dbt files, Makefile, pyproject.toml) with this checkout's virtualenv, so a
developer's build/ is never touched. The Makefile's dbt step is the bare command itself (`dbt build` in the
project root; make adds only DO_NOT_TRACK and the umask)."""

from __future__ import annotations

import os
import re
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
# The README's demo commands, in order; test_readme_shows_the_demos_run_here keeps the README to these.
DEMOS = (("make", "demo"), ("make", "demo", "SUBJECTS=40", "SEED=5"))
SECOND = {"subjects": "40", "seed": "5"}
README = PROJECT / "README.md"


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


def make_demo(project: Path, command: tuple[str, ...]) -> subprocess.CompletedProcess[str]:
    make, target, *variables = command
    proc = run([make, "--no-print-directory", target, *variables, f"BIN={BIN}"], project, bare_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc


@pytest.fixture(scope="module")
def demos(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """A project copy after the README's `make demo`, then its `make demo SUBJECTS=40 SEED=5`."""
    proj = copy_project(tmp_path_factory.mktemp("bare_dbt") / "project")
    first = make_demo(proj, DEMOS[0])
    assert "ERROR=0" in first.stdout and "WARN=0" in first.stdout
    return proj, make_demo(proj, DEMOS[1])


def test_readme_shows_the_demos_run_here() -> None:
    shown = re.findall(r"\bmake demo(?: [A-Z_]+=\S+?)*(?=[`\s])", README.read_text(encoding="utf-8"))
    assert shown, "the README shows no make demo command"
    assert {tuple(c.split()) for c in shown} == set(DEMOS), shown


def test_second_demo_with_other_subjects_rebuilds_what_changed(
    demos: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    proj, second = demos
    build = proj / "build"
    assert (build / "raw" / "200-42").is_dir() and (build / "raw" / "40-5").is_dir()
    assert "holds another release" in second.stdout  # the export of the first release is replaced
    assert (build / "export" / ".demo-args").read_text().split() == [f"{k}={v}" for k, v in SECOND.items()]
    con = duckdb.connect(str(build / "warehouse.duckdb"), read_only=True)
    try:
        subjects = con.sql("select count(*) from staging.stg_mimiciv_hosp__patients").fetchall()[0][0]
    finally:
        con.close()
    assert subjects == int(SECOND["subjects"])
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
