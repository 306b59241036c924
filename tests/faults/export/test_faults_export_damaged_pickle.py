"""Issue 14.3: a pickle damaged in the middle of its bytes is caught by verify and rewritten on resume."""

from __future__ import annotations

import shutil
from pathlib import Path

import faults_export_release as fr
import pytest

pytestmark = pytest.mark.xdist_group(fr.GROUP)


def test_flipped_byte_is_detected_and_rewritten(
    release: fr.Release, clean_export: Path, tmp_path: Path
) -> None:
    out = tmp_path / "haim"
    shutil.copytree(clean_export, out)
    victim = sorted(out.rglob("*.pkl"))[1]
    data = bytearray(victim.read_bytes())
    mid = len(data) // 2
    data[mid] ^= 0x01  # same size, still ends with the STOP opcode: only the checksum tells
    victim.write_bytes(bytes(data))

    proc = fr.run_export("verify", str(out), "--db", str(release.db))
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert f"{victim}: bytes differ from the checksum recorded when it was written" in proc.stderr

    proc = fr.run_export("haim", "--db", str(release.db), "--out", str(out), "--workers", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert fr.tree_digest(out) == fr.tree_digest(clean_export)
    assert fr.run_export("verify", str(out), "--db", str(release.db)).returncode == 0
    assert not fr.temp_leftovers(out)


def test_pickle_without_recorded_checksum_is_rewritten(
    release: fr.Release, clean_export: Path, tmp_path: Path
) -> None:
    """A pickle renamed into place by a run killed before its task was recorded is not trusted."""
    out = tmp_path / "haim"
    shutil.copytree(clean_export, out)
    sums = out / "haim_checksums.sha256"
    lines = sums.read_text().splitlines(keepends=True)
    sums.write_text("".join(lines[1:]))
    proc = fr.run_export("verify", str(out), "--db", str(release.db))
    assert proc.returncode == 1 and "no checksum in haim_checksums.sha256" in proc.stderr
    proc = fr.run_export("haim", "--db", str(release.db), "--out", str(out), "--workers", "1")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "1 to write" in proc.stderr
    assert fr.tree_digest(out) == fr.tree_digest(clean_export)
