"""Helpers of the converter's fault tests: a small raw release in the published layout, and runs of
`python -m convert` in this process or as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "tests" / "convert"))  # the catalogue-driven raw fixture

import rawfixture  # noqa: E402

HOSP = "physionet.org/files/mimiciv/2.2/hosp"
NOTE = "physionet.org/files/mimic-iv-note/2.2/note"


def small_raw(out: Path, *releases: str) -> Path:
    """Releases (default MIMIC-IV 2.2 + Note 2.2) written small under out/raw; returns out/raw."""
    raw = out / "raw"
    for release in releases or ("mimic-iv-2.2", "mimic-iv-note-2.2"):
        rawfixture.write_release(raw, release)
    return raw


rewrite_gz = rawfixture.rewrite_gz


def run_module(
    module: str, *args: str | Path, timeout: float = 300, preexec_fn: Callable[[], object] | None = None
) -> subprocess.CompletedProcess:
    """`python -m module args…` as a real subprocess of this checkout's code; never raises on failure."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python")}
    return subprocess.run(
        [sys.executable, "-m", module, *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        preexec_fn=preexec_fn,
    )


def run_convert(*args: str | Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return run_module("convert", *args, timeout=timeout)


def leftovers(lake: Path) -> list[str]:
    """Temporary files and spill folders a run left in the lake."""
    return sorted(str(p.relative_to(lake)) for p in lake.rglob(".*")) if lake.exists() else []
