"""Issue 14, case 8 for `convert` and `synth`: whatever the user's umask, every file they write holding
patient data is owner-only from its first byte, including the Parquet file DuckDB is still writing."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from faults_convert_support import run_convert, run_module, small_raw

from mimic_mm.convert import builders
from mimic_mm.convert.runner import Options, convert


def _loose(top: Path) -> list[str]:
    """Files and folders under `top` that group or others may read."""
    return sorted(
        f"{p.relative_to(top)} {stat.filemode(p.stat().st_mode)}"
        for p in [top, *top.rglob("*")]
        if p.lstat().st_mode & 0o077 and not p.is_symlink()
    )


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_files_duckdb_writes_are_owner_only_while_written(tmp_path, umask_022, monkeypatch):
    raw = small_raw(tmp_path, "mimic-iv-ed-2.2")
    lake = tmp_path / "lake"
    modes: list[tuple[str, int]] = []
    copy_to = builders.copy_to

    def watched(con, select, out):  # the temporary Parquet file, before it is published
        copy_to(con, select, out)
        modes.append((out.name, stat.S_IMODE(out.stat().st_mode)))

    monkeypatch.setattr(builders, "copy_to", watched)
    results, _ = convert(Options([raw], lake, only=["ed/edstays", "ed/triage"]))
    assert {r.status for r in results} == {"converted"}
    assert modes and all(mode == 0o600 for _, mode in modes), modes
    assert _loose(lake) == []
    assert os.umask(0o022) == 0o022  # the user's umask is back after the run


def test_convert_subprocess_under_umask_022_writes_owner_only(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-ed-2.2", "egd-cxr-1.0.0")
    lake = tmp_path / "lake"
    old = os.umask(0o022)
    try:
        done = run_convert(raw, "--lake", lake)
    finally:
        os.umask(old)
    assert done.returncode == 0, done.stderr
    assert _loose(lake) == []


def test_synth_under_umask_022_writes_owner_only(tmp_path):
    out = tmp_path / "raw"
    done = run_module(
        "synth",
        "--out",
        out,
        "--subjects",
        "20",
        "--seed",
        "3",
        timeout=240,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert done.returncode == 0, done.stderr
    assert _loose(out) == []
