"""Issue 14.8: what dbt build and the HAIM export write is owner-only under a lenient umask (022), without
make."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

import faults_export_release as fr
import pytest

pytestmark = pytest.mark.xdist_group(fr.GROUP)


def _open_to_others(root: Path) -> list[str]:
    paths = [root, *root.rglob("*")] if root.is_dir() else [root]
    return [
        f"{p} {oct(stat.S_IMODE(p.lstat().st_mode))}"
        for p in paths
        if not p.is_symlink() and p.lstat().st_mode & 0o077
    ]


def test_bare_dbt_build_writes_owner_only(release: fr.Release) -> None:
    """The release fixture ran a bare `dbt build` (no make) with umask 022."""
    assert release.db.is_file()
    for path in (release.db, Path(f"{release.db}.wal"), release.root / "target", release.root / "logs"):
        if path.exists():
            assert not _open_to_others(path), _open_to_others(path)[:5]
    assert (release.root / "logs" / "dbt.log").is_file()


def test_dbt_build_tightens_an_older_world_readable_warehouse(release: fr.Release, tmp_path: Path) -> None:
    """A warehouse and log left 0644 (an older build, a `cp`) are made owner-only by the next dbt run; any
    run opens the warehouse through the profile's plugin, so one model is enough."""
    rel = fr.Release(tmp_path, release.raw, release.lake, tmp_path / "warehouse.duckdb")
    shutil.copyfile(release.db, rel.db)
    os.chmod(rel.db, 0o644)
    (tmp_path / "logs").mkdir(mode=0o755)
    (tmp_path / "logs" / "dbt.log").write_text("an older run\n")
    (tmp_path / "logs" / "dbt.log").chmod(0o644)
    fr.dbt_build(rel, "stg_mimiciv_hosp__patients")
    assert not _open_to_others(rel.db) and not _open_to_others(rel.root / "logs")


def _walk(root: Path) -> list[Path]:
    """Everything under root now; a folder removed while walked (a finished worker's spill folder) ends this
    walk early, the next poll sees the rest."""
    try:
        return [*root.rglob("*")]
    except FileNotFoundError:
        return []


def test_haim_export_and_its_temp_files_are_owner_only(
    release: fr.Release, clean_export: Path, tmp_path: Path
) -> None:
    assert not _open_to_others(clean_export), _open_to_others(clean_export)[:5]
    # while an export runs: its temporary files and the DuckDB spill folders of its workers
    tmp = tmp_path / "tmp"
    tmp.mkdir(mode=0o755)
    tmp.chmod(0o755)
    out = tmp_path / "haim"
    env = dict(os.environ, TMPDIR=str(tmp))
    cmd = fr.export_cmd(
        "-q", "haim", "--db", str(release.db), "--out", str(out), "--workers", "1", "--chunk-subjects", "1"
    )
    proc = subprocess.Popen(
        cmd,
        cwd=fr.REPO,
        env=env,
        preexec_fn=lambda: os.umask(0o022),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seen: set[str] = set()
    bad: list[str] = []
    while proc.poll() is None:
        for root in (out, tmp):
            for p in _walk(root):
                try:
                    if p.lstat().st_mode & 0o077:
                        bad.append(f"{p} {oct(stat.S_IMODE(p.lstat().st_mode))}")
                except FileNotFoundError:
                    continue
                seen.add(p.name)
        time.sleep(0.01)
    assert proc.returncode == 0, proc.stderr.read()[-2000:] if proc.stderr else ""
    assert any(n.startswith("haim-duckdb-") for n in seen), "the worker's spill folder was never observed"
    assert not bad, bad[:5]
    assert not _open_to_others(out)
    assert not list(tmp.iterdir()), "the export left temporary folders behind"
