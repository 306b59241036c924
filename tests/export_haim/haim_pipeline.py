"""Build a synthetic release the way a user does: `python -m synth`, `python -m convert`, `dbt build`."""

from __future__ import annotations

import argparse
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from mimic_mm.dbt_env import dbt_env

REPO = Path(__file__).resolve().parents[2]
SUBJECTS = 200
SEED = 1


@dataclass(frozen=True)
class Release:
    raw: Path
    lake: Path
    db: Path


def _run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-4000:]
        raise RuntimeError(f"{' '.join(cmd[:4])} … failed ({proc.returncode}):\n{tail}")


def build_release(
    root: Path, subjects: int = SUBJECTS, seed: int = SEED, mimic_iv_version: str = "2.2"
) -> Release:
    raw, lake, db = root / "raw", root / "lake", root / "warehouse.duckdb"
    py = sys.executable
    _run([py, "-m", "synth", "--out", str(raw), "--subjects", str(subjects), "--seed", str(seed),
          "--mimic-iv-version", mimic_iv_version])  # fmt: skip
    _run([py, "-m", "convert", str(raw), "--lake", str(lake)])
    env = dbt_env(lake, db)
    dbt = str(Path(py).with_name("dbt"))
    _run([dbt, "build", "--project-dir", str(REPO), "--target-path", str(root / "target"),
          "--log-path", str(root / "logs"), "--exclude", "resource_type:test", "resource_type:unit_test"],
         env)  # fmt: skip
    return Release(raw, lake, db)


GROUP = "haim_release"  # tests sharing the release run on one xdist worker (built once)


def haim_args(db: Path, out: Path, *argv: str) -> argparse.Namespace:
    """The namespace `python -m export haim --db DB --out OUT ARGV…` gives."""
    from mimic_mm.export.cli import build_parser

    parser, _ = build_parser()
    return parser.parse_args(["haim", "--db", str(db), "--out", str(out), *argv])


def run_haim(db: Path, out: Path, *argv: str) -> int:
    from mimic_mm.export.haim import run

    return run(haim_args(db, out, *argv))
