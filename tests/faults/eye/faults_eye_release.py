"""Shared helpers of the MIMIC-Eye fault tests: the synthetic release built by the real pipeline, exports run
as real subprocesses, and snapshots of what is on disk."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
SUBJECTS, SEED = 200, 3


@dataclass(frozen=True)
class Release:
    raw: Path
    lake: Path
    db: Path


def _run(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> None:
    with open(log, "w") as fh:
        res = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=REPO)
    if res.returncode:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed (exit {res.returncode}); see {log}")


def build_release(root: Path, seed: int = SEED) -> Release:
    """synth -> convert -> dbt build (models), as a user runs them; also builds the MIMIC-Eye export tests'
    release (another seed)."""
    from mimic_mm.dbt_env import dbt_env

    raw, lake, db = root / "raw", root / "lake", root / "warehouse.duckdb"
    py = sys.executable
    cmd = [py, "-m", "synth", "--out", str(raw), "--subjects", str(SUBJECTS), "--seed", str(seed)]
    _run(cmd, root / "synth.log", env=py_env())
    _run([py, "-m", "convert", str(raw), "--lake", str(lake)], root / "convert.log", env=py_env())
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
        dbt_env(lake, db),
    )
    return Release(raw=raw, lake=lake, db=db)


def py_env(**extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), **extra}


def export_cmd(db: Path, out: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "export", "mimic-eye", "--db", str(db), "--out", str(out), *options]


def export(db: Path, out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """`python -m export mimic-eye` in a subprocess; returns the finished process (stdout: summary)."""
    return subprocess.run(
        export_cmd(db, out, *options), capture_output=True, text=True, env=py_env(), cwd=REPO, timeout=900
    )


def verify(db: Path, out: Path) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "export", "verify", str(out), "--db", str(db)]
    return subprocess.run(cmd, capture_output=True, text=True, env=py_env(), cwd=REPO, timeout=900)


def tree(root: Path) -> dict[str, bytes]:
    """Every file's bytes (lock files hold the pid of the last run, not data)."""
    files = (p for p in sorted(root.rglob("*")) if p.is_file() and not p.name.startswith(".export.lock"))
    return {str(p.relative_to(root)): p.read_bytes() for p in files}


def listing(root: Path) -> set[str]:
    """Every path under root, files, folders and links alike."""
    return {str(p.relative_to(root)) for p in root.rglob("*")}


def temps(root: Path) -> list[str]:
    """Temporary names an interrupted run would leave (`.name.tmp-pid-xxxx`)."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if ".tmp-" in p.name)
