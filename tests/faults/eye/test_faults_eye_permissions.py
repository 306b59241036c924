"""Issue 14.8: everything the MIMIC-Eye exporter writes is owner-only (folders 0700, files 0600), temporary
files and folders of a killed run included, whatever the umask."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
from pathlib import Path

import faults_eye_release as fx
import pytest

pytestmark = pytest.mark.xdist_group("faults_eye")


def _loose(root: Path) -> list[str]:
    """Entries readable, writable or searchable by group or others (symlinks have no mode of their own)."""
    bad = []
    for path in [root, *root.rglob("*")]:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode) or (stat.S_ISREG(st.st_mode) and st.st_nlink > 1):
            continue  # a hard link shares its lake file's inode; the 0700 folders keep others out
        if st.st_mode & 0o077:
            bad.append(f"{oct(st.st_mode & 0o777)} {path.relative_to(root.parent)}")
    return bad


def test_everything_written_is_owner_only(eye_release: fx.Release, tmp_path: Path) -> None:
    out = tmp_path / "mimic-eye"
    cmd = fx.export_cmd(eye_release.db, out, "--link", "copy", "--workers", "2")
    # A permissive umask: the exporter must not rely on the user's.
    proc = subprocess.Popen(
        cmd,
        env=fx.py_env(),
        cwd=fx.REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        preexec_fn=lambda: os.umask(0o002),
    )
    deadline = time.monotonic() + 600
    # Workers mid-stream: a folder renamed into place, others (and DuckDB's spill folders) still temporary.
    while proc.poll() is None and time.monotonic() < deadline:
        if any(out.glob("patient_*")) and any(p.name.startswith(".patient_") for p in out.iterdir()):
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    leftovers = fx.temps(out)
    assert leftovers, "the kill came after the export had finished"
    assert _loose(out) == [], "a killed run left files or folders others can read"

    old = os.umask(0o002)
    try:
        res = fx.export(eye_release.db, out, "--link", "copy", "--workers", "2")
    finally:
        os.umask(old)
    assert res.returncode == 0, res.stderr
    assert fx.temps(out) == []
    assert _loose(out) == []
    modes = {p.lstat().st_mode & 0o777 for p in out.rglob("*") if p.is_file()}
    assert modes == {0o600}
    assert {p.stat().st_mode & 0o777 for p in out.rglob("*") if p.is_dir()} == {0o700}
