"""Helpers of the dbt test suite: run synth, convert and dbt on a synthetic release (named uniquely so that
the other areas' conftest modules never shadow it)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mimic_mm.dbt_env import dbt_env

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SUBJECTS = 200


@dataclass(frozen=True)
class Warehouse:
    raw: Path
    lake: Path
    duckdb: Path
    target: Path
    ground_truth: dict

    def env(self, duckdb_path: Path | None = None) -> dict[str, str]:
        return dbt_env(self.lake, duckdb_path or self.duckdb)


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command from the project root; on failure show the end of its output."""
    proc = subprocess.run(args, cwd=PROJECT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        pytest.fail(
            f"{' '.join(args[:3])} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def dbt(args: list[str], env: dict[str, str], target: Path) -> subprocess.CompletedProcess[str]:
    return run(
        [str(BIN / "dbt"), *args, "--target-path", str(target), "--log-path", str(target / "logs")], env
    )


def build_warehouse(root: Path, version: str) -> Warehouse:
    raw, lake, target = root / "raw", root / "lake", root / "target"
    run([sys.executable, "-m", "synth", "--out", str(raw), "--subjects", str(SUBJECTS), "--seed", "7",
         "--mimic-iv-version", version, "--quiet"])  # fmt: skip
    run([sys.executable, "-m", "convert", str(raw), "--lake", str(lake)])
    wh = Warehouse(raw, lake, root / "warehouse.duckdb", target,
                   json.loads((raw / "ground_truth.json").read_text()))  # fmt: skip
    dbt(["build"], wh.env(), target)
    return wh
