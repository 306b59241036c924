"""mimic-code's 65 DuckDB concepts, run unchanged on the warehouse's MIMIC schemas, give the rows its own
build of the same raw files gives (floating columns within a relative 1e-5)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from mimic_code_compare import SCHEMA, TableDiff, compare_all, tables
from mimic_code_harness import BIN, PROJECT, MimicCodeBuild, duckdb_cli

from mimic_mm.concepts import concept_files, concepts_dir, copy_warehouse

pytestmark = pytest.mark.xdist_group("mimic_code")


# DuckDB 2.0 (the project's engine) casts FLOAT sums to DECIMAL differently from the 1.5 shell mimic-code's
# build uses, so ROUND(..., 4) lands one unit apart on a few rows of this concept.
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_same(diffs: list[TableDiff], only_ours: list[str], only_theirs: list[str], expected: int) -> None:
    assert only_ours == [] and only_theirs == []
    assert len(diffs) == expected
    bad = {d.table: d.problems for d in diffs if d.problems}
    assert bad == {}


def test_concepts_match_mimic_codes_build(mimic_code_build: MimicCodeBuild, tmp_path: Path) -> None:
    """The concepts built on a copy of our warehouse with the DuckDB shell (as build_mimic.sh runs them) equal
    mimic-code's own build table by table; the shared warehouse stays untouched."""
    wh = mimic_code_build.warehouse.duckdb
    before = _digest(wh)
    proc = subprocess.run(
        [sys.executable, "-m", "mimic_concepts", "--mimic-code", str(mimic_code_build.mimic_code),
         "--warehouse", str(wh), "--copy-to", str(tmp_path), "--engine", "cli",
         "--duckdb-cli", str(duckdb_cli()), "--quiet"],
        cwd=PROJECT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    n_concepts = len(concept_files(concepts_dir(mimic_code_build.mimic_code)))
    assert n_concepts == 65
    _assert_same(*compare_all(tmp_path / wh.name, mimic_code_build.reference_db), expected=n_concepts)
    assert _digest(wh) == before


def test_synthetic_release_fills_the_concepts(mimic_code_build: MimicCodeBuild) -> None:
    """The synthetic release carries the items the concepts read: every concept table of mimic-code's own
    build has rows."""
    con = duckdb.connect(str(mimic_code_build.reference_db), read_only=True)
    catalog = con.execute("select current_database()").fetchone()
    assert catalog is not None
    empty = [
        t
        for t in tables(con, catalog[0])
        if con.execute(f"select count(*) from {SCHEMA}.{t}").fetchone() == (0,)
    ]
    assert empty == []


def test_make_target_runs_a_checkout(mimic_code_build: MimicCodeBuild, tmp_path: Path) -> None:
    """`make mimic-code MIMIC_CODE=...` builds the concepts into the warehouse it is given (here a copy) with
    the DuckDB 1.5 CLI of the dev extra, the engine mimic-code's own build uses: same tables and rows."""
    wh = copy_warehouse(mimic_code_build.warehouse.duckdb, tmp_path)
    proc = subprocess.run(
        ["make", "--no-print-directory", "mimic-code", f"MIMIC_CODE={mimic_code_build.mimic_code}",
         f"MIMIC_DUCKDB_PATH={wh}", f"MIMIC_LAKE={mimic_code_build.warehouse.lake}", f"BIN={BIN}"],
        cwd=PROJECT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    _assert_same(*compare_all(wh, mimic_code_build.reference_db), expected=65)


def test_make_target_needs_a_checkout() -> None:
    proc = subprocess.run(
        ["make", "--no-print-directory", "mimic-code", f"BIN={BIN}"],
        cwd=PROJECT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "MIMIC_CODE=/path/to/mimic-code" in proc.stdout + proc.stderr
