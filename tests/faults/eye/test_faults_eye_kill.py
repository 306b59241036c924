"""Issue 14.4: `kill -9` of a MIMIC-Eye export running `--workers 2` takes its workers down, and a re-run
redoes every folder without a completion marker, ending with the bytes of an uninterrupted run."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import faults_eye_release as fx
import psutil
import pytest

pytestmark = pytest.mark.xdist_group("faults_eye")

MARKER = ".mimic_eye_complete.json"


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_kill_9_takes_workers_down_and_rerun_completes(
    eye_release: fx.Release, eye_reference: Path, tmp_path: Path
) -> None:
    out = tmp_path / "mimic-eye"
    cmd = fx.export_cmd(eye_release.db, out, "--workers", "2")
    proc = subprocess.Popen(
        cmd, env=fx.py_env(), cwd=fx.REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        parent = psutil.Process(proc.pid)
        # Kill while both workers are writing: at least one folder renamed into place, more being built.
        _wait_for(
            lambda: len(list(out.glob("patient_*"))) >= 3 and fx.temps(out), 600, "folders being written"
        )
        workers = parent.children(recursive=True)
        assert len([w for w in workers if "python" in w.name().lower()]) >= 2, (
            "the export runs worker processes"
        )
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
        if proc.stderr:
            proc.stderr.close()
    # No process of the export outlives it: the workers die with their parent (no orphan writing on).
    _gone, alive = psutil.wait_procs(workers, timeout=15)
    assert not alive, f"processes outlived the killed export: {[p.pid for p in alive]}"
    written = sorted(out.glob("patient_*"))
    assert len(written) < len(list(eye_reference.glob("patient_*"))), (
        "the kill came too late to test a resume"
    )
    time.sleep(1)  # had a worker survived, it would go on renaming folders into place now
    assert sorted(out.glob("patient_*")) == written, "folders appeared after the export was killed"
    assert all((p / MARKER).is_file() for p in written), "every visible folder carries its completion marker"

    # A folder renamed into place whose marker is missing (a half-written folder of another tool or an older
    # run) is not trusted, nor one whose marker records another input fingerprint.
    no_marker, stale = written[0], written[-1]
    (no_marker / MARKER).unlink()
    (no_marker / "stray.txt").write_text("partial")
    doc = json.loads((stale / MARKER).read_text())
    doc["fingerprint"] = "0" * 64
    (stale / MARKER).write_text(json.dumps(doc))
    kept = [p for p in written if p not in (no_marker, stale)]
    mtimes = {p: (p / MARKER).stat().st_mtime_ns for p in kept}

    res = fx.export(eye_release.db, out, "--workers", "2")
    assert res.returncode == 0, res.stderr
    assert "removed" in res.stderr and "unfinished folders of an interrupted run" in res.stderr
    assert f"patients skipped (complete)  {len(kept):>12}" in res.stdout.replace(",", "")
    assert all((p / MARKER).stat().st_mtime_ns == mtimes[p] for p in kept), "complete folders were rebuilt"
    assert not (no_marker / "stray.txt").exists()
    assert fx.temps(out) == [], "nothing partial is left"
    assert fx.tree(out) == fx.tree(eye_reference), "the resumed export differs from an uninterrupted one"
    assert fx.listing(tmp_path) == {"mimic-eye", *(f"mimic-eye/{p}" for p in fx.listing(out))}
