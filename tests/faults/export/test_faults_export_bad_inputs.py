"""Issue 14.10: missing mart, empty selection, corrupt warehouse, damaged lake file: one-line errors naming
the file, table or option, a non-zero exit, no traceback without --debug, nothing partial left behind."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import faults_export_release as fr
import pytest

pytestmark = pytest.mark.xdist_group(fr.GROUP)


def _assert_one_line_error(proc, *needles: str) -> str:
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    errors = [ln for ln in fr.stderr_lines(proc) if ln.startswith("error:")]
    assert len(errors) == 1, fr.stderr_lines(proc)
    for needle in needles:
        assert needle in errors[0], errors[0]
    return errors[0]


def test_missing_mart(release: fr.Release, tmp_path: Path) -> None:
    db = tmp_path / "partial.duckdb"
    shutil.copy(release.db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("DROP TABLE marts.haim_samples")
    out = tmp_path / "haim"
    proc = fr.run_export("haim", "--db", str(db), "--out", str(out))
    _assert_one_line_error(proc, str(db), "marts.haim_samples", "`dbt build`")
    assert not out.exists()
    debug = fr.run_export("--debug", "haim", "--db", str(db), "--out", str(out))
    assert debug.returncode == 2 and "Traceback" in debug.stderr


def test_empty_selection(release: fr.Release, tmp_path: Path) -> None:
    out = tmp_path / "haim"
    proc = fr.run_export("haim", "--db", str(release.db), "--out", str(out), "--subjects", "1,2,3")
    _assert_one_line_error(proc, "no subject selected", "--subjects", "marts.haim_samples")
    assert not out.exists()


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_warehouse(release: fr.Release, clean_export: Path, tmp_path: Path, damage: str) -> None:
    db = tmp_path / "broken.duckdb"
    data = release.db.read_bytes()
    db.write_bytes(b"\x00garbage" * 4096 if damage == "garbage" else data[: len(data) // 3])
    out = tmp_path / "haim"
    for argv in (
        ["haim", "--db", str(db), "--out", str(out)],
        ["verify", str(clean_export), "--db", str(db)],
    ):
        _assert_one_line_error(fr.run_export(*argv), str(db))
    assert not out.exists()


def test_damaged_lake_parquet(tmp_path: Path) -> None:
    rel = fr.build_release(tmp_path / "rel")
    out = tmp_path / "haim"
    victim = next(p for p in sorted(rel.lake.rglob("*.parquet")) if "labevents" in str(p))
    data = bytearray(victim.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
    data[-8:] = b"\x00" * 8  # footer length and magic gone
    victim.write_bytes(bytes(data))
    proc = fr.run_export("haim", "--db", str(rel.db), "--out", str(out), "--workers", "2")
    _assert_one_line_error(proc, str(victim.name))
    assert not fr.temp_leftovers(out)
    assert not list(out.rglob("*.pkl")), "no pickle may be written from a damaged lake"
