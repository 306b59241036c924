"""Raw releases and their converted lakes, generated once per session.

The end-to-end fixtures use the project's synthetic generator (`python -m synth`, 200 subjects) when it runs,
and otherwise the small catalogue-driven fixture in `rawfixture.py`; bad-input tests always use the small
fixture so that each case is a copy of a few kB.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import rawfixture

from mimic_mm.convert.detect import detect
from mimic_mm.convert.runner import Options, convert

ROOT = Path(__file__).resolve().parents[2]


def _synth(out: Path, version: str) -> bool:
    cmd = [sys.executable, "-m", "synth", "--out", str(out), "--subjects", "200", "--seed", "1"]
    if version != "2.2":
        cmd += ["--mimic-iv-version", version]
    try:
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, timeout=240, check=False)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0 and (out / "physionet.org").is_dir()


def _raw(tmp_path_factory: pytest.TempPathFactory, version: str) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp(f"raw{version}")
    if _synth(out, version):
        return out, "synth"
    out = tmp_path_factory.mktemp(f"fixture{version}")
    rawfixture.write_all(out, f"mimic-iv-{version}")
    return out, "fixture"


@pytest.fixture(params=["2.2", "1.0"])
def converted(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """(raw folder, lake folder, failures, found releases, origin) for each MIMIC-IV layout.

    Built once per test session and shared between xdist workers through a locked folder (in this
    environment `xdist_group` does not keep a module on one worker).
    """
    version = request.param
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # this session's folder shared by the workers (each has base/popen-gwN)
    shared = base / f"convert-e2e-{version}"
    shared.mkdir(exist_ok=True)
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "done.json"
        if not done.is_file():
            raw, origin = _raw(tmp_path_factory, version)
            lake = shared / "lake"
            results, _ = convert(Options([raw], lake, workers=2))
            failures = [r.error for r in results if r.status == "failed"]
            done.write_text(json.dumps({"raw": str(raw), "origin": origin, "failures": failures}))
        info = json.loads(done.read_text())
    raw = Path(info["raw"])
    return raw, shared / "lake", info["failures"], detect([raw]), info["origin"]


@pytest.fixture
def small_release(tmp_path: Path):
    """A fresh MIMIC-IV-ED 2.2 + EyeGaze + Note fixture under tmp_path/raw; returns (raw, lake)."""
    raw = tmp_path / "raw"
    for release in ("mimic-iv-ed-2.2", "egd-cxr-1.0.0", "mimic-iv-note-2.2"):
        rawfixture.write_release(raw, release)
    return raw, tmp_path / "lake"
