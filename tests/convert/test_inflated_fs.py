"""The inflating file system DuckDB reads gzip release files through: exact bytes, forward only, loud on a
wrong size."""

from __future__ import annotations

import gzip
import io

import duckdb
import pytest

from convert.inflated_fs import INFLATED, attach
from convert.rawfile import scan

ROWS = 50_000


@pytest.fixture
def gz_csv(tmp_path):
    body = "".join(f'{i},"text {i}\nsecond line",{i * 0.5}\n' for i in range(ROWS))
    path = tmp_path / "t.csv.gz"
    # Two gzip members: PhysioNet files are single-member, but concatenated gzip is valid and must work.
    half = len(body) // 2
    cut = body.index("\n", body.index('",', half)) + 1
    first, second = ("id,note,x\n" + body[:cut]).encode(), body[cut:].encode()
    path.write_bytes(gzip.compress(first) + gzip.compress(second))
    return path, ("id,note,x\n" + body).encode()


def _count(con: duckdb.DuckDBPyConnection, url: str) -> list[tuple]:
    return con.execute(
        f"SELECT count(*), sum(id), count(DISTINCT note) FROM read_csv('{url}', header=true,"
        " columns={'id': 'BIGINT', 'note': 'VARCHAR', 'x': 'DOUBLE'}, auto_detect=false, parallel=false)"
    ).fetchall()


def test_duckdb_reads_the_inflated_bytes(gz_csv):
    path, plain = gz_csv
    found = scan(path)
    assert found.data_bytes == len(plain)
    assert found.records == ROWS + 1  # header + rows, quoted newlines not counted
    con = duckdb.connect()
    with attach(con).serve(path, found.data_bytes) as url:
        assert not url.endswith(".gz")
        assert _count(con, url) == [(ROWS, ROWS * (ROWS - 1) // 2, ROWS)]
    con.close()


def test_a_size_larger_than_the_data_fails_the_read(gz_csv):
    path, plain = gz_csv
    con = duckdb.connect()
    with attach(con).serve(path, len(plain) + 1000) as url, pytest.raises(duckdb.Error, match="bytes"):
        _count(con, url)


def test_a_size_smaller_than_the_data_reads_fewer_rows(gz_csv):
    # Never silent in the converter: the first pass's record count then differs from the Parquet rows.
    path, plain = gz_csv
    con = duckdb.connect()
    with attach(con).serve(path, len(plain) // 2) as url:
        rows = _count(con, url)[0][0]
    assert 0 < rows < ROWS


def test_the_reader_moves_forward_only(gz_csv):
    path, plain = gz_csv
    with attach(duckdb.connect()).serve(path, len(plain)) as url:
        f = INFLATED.open(url, "rb")
        assert f.read(10) == plain[:10]
        assert f.seek(10) == 10
        with pytest.raises(io.UnsupportedOperation):
            f.seek(0)
        f.close()
    with pytest.raises(FileNotFoundError):
        INFLATED.info(url)  # served only inside the block
