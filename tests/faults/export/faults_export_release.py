"""A small synthetic release built the way a user builds it (synth → convert → bare `dbt build`, run under
umask 022 so the owner-only guarantee is tested outside `make`), and the `python -m export` subprocess runner
the fault tests share."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from mimic_mm.dbt_env import dbt_env

REPO = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(REPO / "tests"))

from shared_dirs import shared_dir  # noqa: E402

SUBJECTS = 40
SEED = 3
GROUP = "faults_export_release"  # tests on the shared release run on one xdist worker


@dataclass(frozen=True)
class Release:
    root: Path
    raw: Path
    lake: Path
    db: Path


def _lenient_umask() -> None:
    os.umask(0o022)  # a user's usual umask: every file the project writes must still be owner-only


def run(cmd: list[str], env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        cmd, cwd=REPO, env=env, capture_output=True, text=True, preexec_fn=_lenient_umask, timeout=900
    )
    if check and proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-4000:]
        raise RuntimeError(f"{' '.join(cmd[:4])} … failed ({proc.returncode}):\n{tail}")
    return proc


def synth(raw: Path, seed: int = SEED, subjects: int = SUBJECTS) -> None:
    run([sys.executable, "-m", "synth", "--out", str(raw), "--subjects", str(subjects), "--seed", str(seed)])


def convert(raw: Path, lake: Path) -> None:
    run([sys.executable, "-m", "convert", str(raw), "--lake", str(lake)])


def dbt_build(rel: Release, *select: str) -> None:
    """`dbt build` of the release's warehouse (models only), or of the `--select`ed models."""
    dbt = str(Path(sys.executable).with_name("dbt"))
    run(
        [
            dbt,
            "build",
            "--project-dir",
            str(REPO),
            "--target-path",
            str(rel.root / "target"),
            "--log-path",
            str(rel.root / "logs"),
            "--exclude",
            "resource_type:test",
            "resource_type:unit_test",
            *(["--select", *select] if select else []),
        ],
        dbt_env(rel.lake, rel.db),
    )


def build_release(root: Path) -> Release:
    rel = Release(root, root / "raw", root / "lake", root / "warehouse.duckdb")
    synth(rel.raw)
    convert(rel.raw, rel.lake)
    dbt_build(rel)
    return rel


def shared_release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    with shared_dir(tmp_path_factory, "faults_export_release") as (folder, built):
        if built:
            return Release(folder, folder / "raw", folder / "lake", folder / "warehouse.duckdb")
        return build_release(folder)


def export_cmd(*argv: str) -> list[str]:
    return [sys.executable, "-m", "export", *argv]


def run_export(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m export ARGV…` in a subprocess (umask 022); never raises on a non-zero exit."""
    return run(export_cmd(*argv), env=env, check=False)


def tree_digest(root: Path) -> dict[str, str]:
    """relative path → sha256 of every file under `root` (hidden ones included)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def temp_leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if ".tmp-" in p.name]


def stderr_lines(proc: subprocess.CompletedProcess) -> list[str]:
    """stderr without the progress bars' carriage-return lines."""
    return [ln for ln in proc.stderr.splitlines() if ln.strip() and "\r" not in ln]
