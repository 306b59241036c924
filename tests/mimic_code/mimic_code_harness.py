"""Shared by the mimic_code tests: one synthetic release built both ways, by this project (synth ->
convert -> dbt build) and by mimic-code's own DuckDB loader (build_mimic.sh) with its concepts. mimic-code is
third-party and not part of the project: it is read from `<repo>/../shared/peers/mimic-code`; the tests skip
without it."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
MIMIC_CODE = PROJECT.parent / "shared" / "peers" / "mimic-code"
BIN = Path(sys.executable).parent
# The dbt suite's harness builds a warehouse from a synthetic release; reuse it rather than repeat it.
sys.path.insert(0, str(PROJECT / "tests" / "dbt_models"))

from dbt_harness import Warehouse, build_warehouse  # noqa: E402


@dataclass(frozen=True)
class MimicCodeBuild:
    warehouse: Warehouse
    mimic_code: Path
    reference_db: Path  # mimic-code's build_mimic.sh output, concepts included
    raw_mimic: Path  # the MIMIC-IV release folder (hosp/, icu/) both builds read


def require_mimic_code() -> Path:
    if not (MIMIC_CODE / "mimic-iv" / "buildmimic" / "duckdb" / "build_mimic.sh").is_file():
        pytest.skip(f"mimic-code is not at {MIMIC_CODE} (the shared peers folder CI provides; users lack it)")
    return MIMIC_CODE


def duckdb_cli() -> Path:
    cli = BIN / "duckdb"
    if not cli.is_file():
        pytest.skip(f"{cli}: no DuckDB shell (pip install -e '.[dev]' provides duckdb-cli)")
    return cli


def run_build_mimic(mimic_code: Path, raw_mimic: Path, db: Path) -> subprocess.CompletedProcess[str]:
    """mimic-code's loader as written: only PATH (for its `duckdb` calls) and the validation switch are set;
    validate.sql checks the real release's row counts, which a synthetic release cannot have."""
    script = mimic_code / "mimic-iv" / "buildmimic" / "duckdb" / "build_mimic.sh"
    env = dict(
        os.environ, PATH=f"{duckdb_cli().parent}{os.pathsep}{os.environ['PATH']}", MIMIC_VALIDATE="false"
    )
    proc = subprocess.run(
        ["bash", str(script), str(raw_mimic), str(db)], env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        pytest.fail(
            f"build_mimic.sh failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        )
    return proc


@pytest.fixture(scope="session")
def mimic_code_build(tmp_path_factory: pytest.TempPathFactory) -> MimicCodeBuild:
    mimic_code = require_mimic_code()
    root = tmp_path_factory.mktemp("mimic_code")
    wh = build_warehouse(root / "project", "2.2")
    raw_mimic = next((wh.raw / "physionet.org" / "files" / "mimiciv").iterdir())
    reference = root / "reference" / "mimic4.db"
    reference.parent.mkdir()
    run_build_mimic(mimic_code, raw_mimic, reference)
    return MimicCodeBuild(wh, mimic_code, reference, raw_mimic)
