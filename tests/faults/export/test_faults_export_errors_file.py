"""Issue 14.6: the errors of every run and every shard of one export end up in one haim_errors.csv."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import faults_export_release as fr
import pytest

pytestmark = pytest.mark.xdist_group(fr.GROUP)
ERRORS = "haim_errors.csv"


def test_release_has_image_errors(clean_export: Path) -> None:
    rows = (clean_export / ERRORS).read_text().splitlines()
    assert len(rows) > 1, "the release must miss a CXR image for these tests to mean much"


def test_shards_share_one_errors_file(release: fr.Release, clean_export: Path, tmp_path: Path) -> None:
    out = tmp_path / "haim"
    procs = [
        subprocess.Popen(
            fr.export_cmd(
                "-q",
                "haim",
                "--db",
                str(release.db),
                "--out",
                str(out),
                "--shard",
                f"{k}/2",
                "--workers",
                "1",
            ),
            cwd=fr.REPO,
            stderr=subprocess.PIPE,
            text=True,
        )
        for k in (1, 2)
    ]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
    assert sorted(q.name for q in out.glob("haim_errors*")) == [ERRORS]
    assert (out / ERRORS).read_bytes() == (clean_export / ERRORS).read_bytes()
    proc = fr.run_export("verify", str(out), "--db", str(release.db))
    assert proc.returncode == 0, proc.stderr[-2000:]
    n = len((clean_export / ERRORS).read_text().splitlines()) - 1
    listed = [ln.split()[-1] for ln in proc.stdout.splitlines() if ln.startswith("image problems listed")]
    assert listed == [str(n)]


def test_errors_survive_a_killed_run(release: fr.Release, clean_export: Path, tmp_path: Path) -> None:
    """Kill the export once some tasks are recorded; the resumed run must not lose their errors."""
    out = tmp_path / "haim"
    cmd = fr.export_cmd(
        "-q", "haim", "--db", str(release.db), "--out", str(out), "--workers", "1", "--chunk-subjects", "1"
    )
    proc = subprocess.Popen(cmd, cwd=fr.REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sums = out / "haim_checksums.sha256"
    total = len(list(clean_export.rglob("*.pkl")))
    deadline = time.time() + 300
    while time.time() < deadline and (not sums.exists() or len(sums.read_text().splitlines()) < total // 2):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    recorded = len(sums.read_text().splitlines())
    assert 0 < recorded < total, "the export should have been killed midway"
    resumed = fr.run_export("haim", "--db", str(release.db), "--out", str(out), "--workers", "2")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"{recorded} already complete" in resumed.stderr
    assert (out / ERRORS).read_bytes() == (clean_export / ERRORS).read_bytes()
    assert fr.tree_digest(out) == fr.tree_digest(clean_export)
