"""The synthetic release the HAIM embeddings tests share: synth -> convert -> dbt build of the mart and
its parents, plus a copy of the warehouse rebuilt with haim_time_bound = strict (subprocesses, as users run
them)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from mimic_mm.dbt_env import dbt_env

PROJECT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SUBJECTS = 200
SEED = 11


@dataclass(frozen=True)
class MartRelease:
    raw: Path
    lake: Path
    warehouse: Path
    strict_warehouse: Path

    @classmethod
    def at(cls, folder: Path) -> MartRelease:
        """The release `build(folder)` writes (or wrote: a shared folder another worker built)."""
        return cls(
            folder / "raw",
            folder / "lake",
            folder / "warehouse.duckdb",
            folder / "strict" / "warehouse.duckdb",
        )

    @property
    def ground_truth(self) -> dict:
        return json.loads((self.raw / "ground_truth.json").read_text(encoding="utf-8"))


def run(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a command from the project root; raise with the end of its output when it fails."""
    proc = subprocess.run(args, cwd=PROJECT, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(
            f"{' '.join(args[:3])} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def dbt_args(target: Path, *args: str) -> list[str]:
    return [str(BIN / "dbt"), *args, "--target-path", str(target), "--log-path", str(target / "logs")]


def build(root: Path, subjects: int = SUBJECTS, strict_variant: bool = True) -> MartRelease:
    """The release under `root`; `subjects` and `strict_variant=False` (no strict warehouse) let other test
    folders build a smaller one with the same steps."""
    release = MartRelease.at(root)
    raw, lake, warehouse, strict = release.raw, release.lake, release.warehouse, release.strict_warehouse
    run(
        [
            sys.executable,
            "-m",
            "synth",
            "--out",
            str(raw),
            "--subjects",
            str(subjects),
            "--seed",
            str(SEED),
            "--quiet",
        ]
    )
    run([sys.executable, "-m", "convert", str(raw), "--lake", str(lake)])
    # The marts (haim_fusion without vectors: none are in the lake) and what the HAIM pickle export reads
    # (the loop test exports pickles from this warehouse);
    # cautious: only the tests whose every parent is built here.
    selection = ["--select", "+haim_embeddings", "+haim_fusion", "+haim_cxr", "lake_lineage",
                 "path:models/staging", "--indirect-selection", "cautious"]  # fmt: skip
    run(dbt_args(root / "target", "build", *selection), dbt_env(lake, warehouse))
    if not strict_variant:
        return release
    strict.parent.mkdir()
    shutil.copy(warehouse, strict)
    run(
        dbt_args(root / "strict" / "target", "build", "--select", "int_haim_image_cutoffs+",
                 "--vars", "{haim_time_bound: strict}"),
        dbt_env(lake, strict),
    )  # fmt: skip
    return release
