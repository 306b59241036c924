"""The shared exporter core: streams by subject, subject selection, atomic writes, the export lock."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from mimic_mm.atomic_fs import atomic_dir, atomic_file, remove_stale_temps
from mimic_mm.export.atomic import ExportLock, ExportLockedError
from mimic_mm.export.selection import Shard, parse_shard, parse_subjects, select_subjects
from mimic_mm.export.stream import StreamOrderError, merge_by_subject, stream_by_subject
from mimic_mm.export.warehouse import WarehouseError, connect


@pytest.fixture()
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    # 3 subjects with 1, 5 and 2 rows; subject 20 straddles batch boundaries at batch_size 2
    c.execute("CREATE TABLE t AS SELECT * FROM (VALUES (10,'a'),(20,'b'),(20,'c'),(20,'d'),(20,'e'),(20,'f'),"
              "(30,'g'),(30,'h')) v(subject_id, x)")  # fmt: skip
    return c


def test_stream_by_subject_groups_across_batches(con: duckdb.DuckDBPyConnection) -> None:
    got = [
        (sid, t.column("x").to_pylist())
        for sid, t in stream_by_subject(con, "SELECT * FROM t ORDER BY ALL", 2)
    ]
    assert got == [(10, ["a"]), (20, ["b", "c", "d", "e", "f"]), (30, ["g", "h"])]


def test_stream_refuses_unordered_query(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(StreamOrderError, match="ordered by subject_id"):
        list(stream_by_subject(con, "SELECT * FROM t ORDER BY subject_id DESC", 2))


def test_merge_gives_every_subject_every_stream(con: duckdb.DuckDBPyConnection) -> None:
    a = stream_by_subject(con.cursor(), "SELECT * FROM t ORDER BY ALL", 3)
    b = stream_by_subject(
        con.cursor(), "SELECT subject_id, x || '!' AS y FROM t WHERE subject_id = 30 ORDER BY ALL"
    )
    merged = list(merge_by_subject({"a": a, "b": b}, [5, 20, 30]))
    assert [sid for sid, _ in merged] == [5, 20, 30]
    assert merged[0][1]["a"].num_rows == 0 and merged[0][1]["b"].schema.names == ["subject_id", "y"]
    assert merged[1][1]["a"].column("x").to_pylist() == ["b", "c", "d", "e", "f"]
    assert merged[1][1]["b"].num_rows == 0
    assert merged[2][1]["b"].column("y").to_pylist() == ["g!", "h!"]
    with pytest.raises(ValueError, match="ascending"):
        list(merge_by_subject({"a": stream_by_subject(con, "SELECT * FROM t ORDER BY ALL")}, [20, 10]))


def test_selection(tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("subject_id\n10000032 # demo\n10000980,10001217\n")
    assert parse_subjects(f"@{ids}") == {10000032, 10000980, 10001217}
    assert parse_subjects(str(ids)) == {10000032, 10000980, 10001217}
    assert parse_subjects("1, 2,3") == {1, 2, 3}
    many = ",".join(str(10_000_000 + i) for i in range(40))  # longer than a file name may be
    assert parse_subjects(many) == {10_000_000 + i for i in range(40)}
    assert parse_subjects(None) is None
    with pytest.raises(ValueError, match="line 1"):
        parse_subjects("1,x")
    assert parse_shard("2/3") == Shard(2, 3)
    for bad in ("0/3", "4/3", "1-3"):
        with pytest.raises(ValueError):
            parse_shard(bad)
    cohort = list(range(100, 120))
    shards = [select_subjects(cohort, None, Shard(k, 3), None) for k in (1, 2, 3)]
    assert sorted(s for shard in shards for s in shard) == cohort and all(
        set(a).isdisjoint(b) for a in shards for b in shards if a != b
    )
    assert select_subjects(cohort, {101, 105, 999}, None, None) == [101, 105]
    assert select_subjects(reversed(cohort), None, Shard(1, 2), 3) == [100, 102, 104]


def test_atomic_file_and_dir(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "f.txt"
    with atomic_file(target) as tmp:
        tmp.write_text("one")
        assert not target.exists()
    assert target.read_text() == "one"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    with pytest.raises(RuntimeError), atomic_file(target) as tmp:
        tmp.write_text("two")
        raise RuntimeError("boom")
    assert target.read_text() == "one" and os.listdir(target.parent) == ["f.txt"]
    folder = tmp_path / "d"
    for text in ("v1", "v2"):
        with atomic_dir(folder) as tmp:
            (tmp / "x.csv").write_text(text)
    assert (folder / "x.csv").read_text() == "v2" and sorted(os.listdir(tmp_path)) == ["a", "d"]
    with pytest.raises(KeyError), atomic_dir(folder) as tmp:
        (tmp / "x.csv").write_text("v3")
        raise KeyError("boom")
    assert (folder / "x.csv").read_text() == "v2" and sorted(os.listdir(tmp_path)) == ["a", "d"]
    (tmp_path / "a" / ".f.txt.tmp-1-abc").write_text("left by a crash")
    assert remove_stale_temps(tmp_path) == 1 and os.listdir(target.parent) == ["f.txt"]


def test_export_lock(tmp_path: Path) -> None:
    with ExportLock(tmp_path):
        with pytest.raises(ExportLockedError, match="another export"):
            ExportLock(tmp_path).__enter__()
        with pytest.raises(ExportLockedError):
            ExportLock(tmp_path, part="shard-1-of-2").__enter__()
    with ExportLock(tmp_path, part="shard-1-of-2"), ExportLock(tmp_path, part="shard-2-of-2"):
        with pytest.raises(ExportLockedError, match="part shard-1-of-2"):
            ExportLock(tmp_path, part="shard-1-of-2").__enter__()
        with pytest.raises(ExportLockedError, match="another export is writing into"):
            ExportLock(tmp_path).__enter__()
    with ExportLock(tmp_path):  # released on exit
        pass


def test_connect_errors(tmp_path: Path) -> None:
    with pytest.raises(WarehouseError, match="does not exist"):
        connect(tmp_path / "missing.duckdb")
    db = tmp_path / "w.duckdb"
    duckdb.connect(str(db)).execute("CREATE TABLE x AS SELECT 1 AS subject_id").close()
    assert connect(db).sql("SELECT * FROM x").fetchall() == [(1,)]
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb,sys; c=duckdb.connect({str(db)!r}); print('ok', flush=True); "
         "sys.stdin.readline()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        with pytest.raises(WarehouseError, match="dbt build"):
            connect(db)
    finally:
        holder.communicate("\n", timeout=30)
