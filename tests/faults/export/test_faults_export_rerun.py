"""Issue 14.12 and the interruption guarantees: re-runs, resumed runs after SIGKILL and runs stopped by SIGINT
end byte-identical to an uninterrupted export, with nothing temporary left behind."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import faults_export_release as fr
import pytest

pytestmark = pytest.mark.xdist_group(fr.GROUP)


def _start(release: fr.Release, out: Path, *argv: str) -> subprocess.Popen:
    cmd = fr.export_cmd("haim", "--db", str(release.db), "--out", str(out), *argv)
    return subprocess.Popen(cmd, cwd=fr.REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_pickles(out: Path, n: int, proc: subprocess.Popen) -> None:
    deadline = time.time() + 300
    while time.time() < deadline and proc.poll() is None and len(list(out.rglob("*.pkl"))) < n:
        time.sleep(0.02)


def test_rerun_with_force_and_other_split_is_byte_identical(
    release: fr.Release, clean_export: Path, tmp_path: Path
) -> None:
    out = tmp_path / "haim"
    first = fr.run_export(
        "haim",
        "--db",
        str(release.db),
        "--out",
        str(out),
        "--workers",
        "1",
        "--chunk-subjects",
        "3",
        "--batch-size",
        "257",
    )
    assert first.returncode == 0, first.stderr[-2000:]
    assert fr.tree_digest(out) == fr.tree_digest(clean_export)
    again = fr.run_export("haim", "--db", str(release.db), "--out", str(out), "--force", "--workers", "2")
    assert again.returncode == 0, again.stderr[-2000:]
    assert fr.tree_digest(out) == fr.tree_digest(clean_export)
    resume = fr.run_export("haim", "--db", str(release.db), "--out", str(out))
    assert resume.returncode == 0 and "0 to write" in resume.stderr
    assert fr.tree_digest(out) == fr.tree_digest(clean_export)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigkill_then_resume_is_byte_identical(
    release: fr.Release, clean_export: Path, tmp_path: Path, workers: str
) -> None:
    out = tmp_path / "haim"
    total = len(list(clean_export.rglob("*.pkl")))
    proc = _start(release, out, "--workers", workers, "--chunk-subjects", "1")
    _wait_for_pickles(out, max(1, total // 3), proc)
    proc.send_signal(signal.SIGKILL)  # the parent only: spawn workers are orphaned and must not corrupt
    proc.communicate()
    written = len(list(out.rglob("*.pkl")))
    assert 0 < written < total, "the export should have been killed midway"
    time.sleep(1)  # let orphaned workers notice their parent is gone
    resumed = fr.run_export("haim", "--db", str(release.db), "--out", str(out), "--workers", "2")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert fr.tree_digest(out) == fr.tree_digest(clean_export)
    assert not fr.temp_leftovers(out)
    assert fr.run_export("verify", str(out), "--db", str(release.db)).returncode == 0


def test_sigint_stops_cleanly(release: fr.Release, clean_export: Path, tmp_path: Path) -> None:
    out = tmp_path / "haim"
    total = len(list(clean_export.rglob("*.pkl")))
    proc = _start(release, out, "--workers", "1", "--chunk-subjects", "1")
    _wait_for_pickles(out, 2, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err[-2000:]
    assert "interrupted; completed samples are kept and a re-run resumes" in err
    assert "Traceback" not in err
    assert not fr.temp_leftovers(out)
    assert len(list(out.rglob("*.pkl"))) < total
    resumed = fr.run_export("haim", "--db", str(release.db), "--out", str(out), "--workers", "1")
    assert resumed.returncode == 0
    assert fr.tree_digest(out) == fr.tree_digest(clean_export)
