"""The inflating file system DuckDB reads gzip release files through: one pass, exact bytes, forward only, and
a worked-out size that is caught whenever it is wrong."""

from __future__ import annotations

import gzip
import io
import logging

import duckdb
import pyarrow.parquet as pq
import pytest
import rawfixture

from mimic_mm.convert import inflated_fs
from mimic_mm.convert.__main__ import main
from mimic_mm.convert.inflated_fs import (
    INFLATED,
    MAX_GUESS,
    WRAP,
    InflatedStream,
    SizeGuessWrong,
    attach,
    guess_size,
)
from mimic_mm.convert.rawfile import scan

ROWS = 50_000


def _body() -> bytes:
    return "".join(f'{i},"text {i}\nsecond line",{i * 0.5}\n' for i in range(ROWS)).encode()


@pytest.fixture
def gz_csv(tmp_path):
    plain = b"id,note,x\n" + _body()
    path = tmp_path / "t.csv.gz"
    path.write_bytes(gzip.compress(plain))
    return path, plain


@pytest.fixture
def two_members(tmp_path):
    # PhysioNet files are single-member, but concatenated gzip is valid and must work. Its trailer holds
    # the size of the last member only, so a worked-out size is wrong: too small here.
    plain = b"id,note,x\n" + _body()
    cut = plain.index(b"\n", plain.index(b'",', len(plain) // 2)) + 1
    path = tmp_path / "two.csv.gz"
    path.write_bytes(gzip.compress(plain[:cut]) + gzip.compress(plain[cut:]))
    return path, plain


@pytest.fixture
def small_head(monkeypatch):
    """A head and ratio sample far smaller than the test files, so that their size is worked out."""
    monkeypatch.setattr(inflated_fs, "HEAD_BYTES", 4096)
    monkeypatch.setattr(inflated_fs, "SAMPLE_BYTES", 4096)


def _count(con: duckdb.DuckDBPyConnection, url: str) -> tuple:
    return con.execute(
        f"SELECT count(*), sum(id), count(DISTINCT note) FROM read_csv('{url}', header=true,"
        " columns={'id': 'BIGINT', 'note': 'VARCHAR', 'x': 'DOUBLE'}, auto_detect=false, parallel=false)"
    ).fetchall()[0]


ALL = (ROWS, ROWS * (ROWS - 1) // 2, ROWS)


@pytest.mark.parametrize("head", ["within the head", "worked out"])
def test_one_pass_serves_the_bytes_and_counts_them(gz_csv, head, request):
    path, plain = gz_csv
    if head == "worked out":
        request.getfixturevalue("small_head")
    con = duckdb.connect()
    with attach(con).serve(path) as (url, stream):
        assert not url.endswith(".gz")
        assert stream.size == len(plain)  # single member under 4 GiB: the trailer gives it exactly
        assert _count(con, url) == ALL
        found = stream.finish()
    assert found == scan(path)  # same checksum, records (header + rows, quoted newlines not counted), bytes
    assert found.records == ROWS + 1 and found.data_bytes == len(plain)
    con.close()


def test_a_size_larger_than_the_data_fails_the_read_and_is_caught(gz_csv):
    path, plain = gz_csv
    con = duckdb.connect()
    with attach(con).serve(path, len(plain) + 100_000) as (url, stream):
        with pytest.raises(duckdb.Error, match="data ends at byte"):
            _count(con, url)
        assert stream.size_wrong()


def test_a_size_smaller_than_the_data_is_caught(gz_csv):
    path, plain = gz_csv
    con = duckdb.connect()
    with attach(con).serve(path, len(plain) // 2) as (url, stream):
        rows = _count(con, url)[0]
        assert 0 < rows < ROWS
        assert stream.size_wrong()
        with pytest.raises(SizeGuessWrong, match="data continues"):
            stream.finish()


def test_two_gzip_members_are_caught_then_measured(two_members, small_head):
    path, plain = two_members
    con = duckdb.connect()
    with attach(con).serve(path) as (url, stream):
        assert stream.size < len(plain)  # the second member's size
        _count(con, url)
        with pytest.raises(SizeGuessWrong):
            stream.finish()
    with attach(con).serve(path, scan(path).data_bytes) as (url, stream):
        assert _count(con, url) == ALL
        assert stream.finish().records == ROWS + 1


def test_guess_size_adds_the_wraps_the_ratio_predicts():
    true = 6_000_000_123  # e.g. an emar_detail: past one wrap of 2**32
    compressed, isize = 600_000_000, true % WRAP
    assert guess_size(compressed, isize, ratio=10.0) == true
    # An estimate within half a wrap (2.1 GB) of the truth picks the right multiple.
    assert guess_size(compressed, isize, ratio=13.4) == true
    assert guess_size(compressed, isize, ratio=6.7) == true
    # Beyond MAX_GUESS (a real chartevents: about 30 GB from 3.3 GB) the size is measured instead.
    assert guess_size(3_300_000_000, 123, ratio=9.0) is None
    assert guess_size(MAX_GUESS // 10, 123, ratio=10.0) == 123 + 2 * WRAP


def test_a_big_file_is_measured_not_guessed(gz_csv, small_head, monkeypatch):
    path, plain = gz_csv
    monkeypatch.setattr(inflated_fs, "MAX_GUESS", len(plain) // 2)
    measured = []
    monkeypatch.setattr(inflated_fs, "scan", lambda p: measured.append(p) or scan(p))
    with attach(duckdb.connect()).serve(path) as (_, stream):
        assert stream.size == len(plain) and measured == [path]


def test_the_stream_moves_forward_and_is_read_once(gz_csv):
    path, plain = gz_csv
    with attach(duckdb.connect()).serve(path) as (url, _):
        f = INFLATED.open(url, "rb")
        assert f.read(10) == plain[:10]
        assert f.seek(10) == 10
        with pytest.raises(io.UnsupportedOperation):
            f.seek(0)
        with pytest.raises(io.UnsupportedOperation, match="read once"):
            INFLATED.open(url, "rb")
    with pytest.raises(FileNotFoundError):
        INFLATED.info(url)  # served only inside the block


@pytest.mark.parametrize("off_by", [-10, +10])
def test_the_converter_recovers_from_a_wrong_size(
    small_release, small_head, monkeypatch, caplog, capsys, off_by
):
    raw, lake = small_release
    path = next(raw.rglob("vitalsign.csv.gz"))
    # Rows enough for the file to outgrow the head, then a size guess that misses the data.
    header, rows = gzip.decompress(path.read_bytes()).decode().split("\n", 1)
    body = (header + "\n" + rows * 400).encode()
    path.write_bytes(gzip.compress(body))
    monkeypatch.setattr(inflated_fs, "guess_size", lambda compressed, isize, ratio: len(body) + off_by)
    with caplog.at_level(logging.INFO, logger="mimic_mm.convert"):
        assert main([str(raw), "--lake", str(lake), "--only", "ed/vitalsign"]) == 0
    assert "ed/vitalsign: " in caplog.text and "converting again at the measured size" in caplog.text
    assert pq.read_metadata(lake / "ed" / "vitalsign.parquet").num_rows == rawfixture.ROWS * 400
    capsys.readouterr()


def test_an_empty_gzip_stream_is_refused(tmp_path):
    path = tmp_path / "e.csv.gz"
    path.write_bytes(gzip.compress(b""))
    with pytest.raises(Exception, match="file is empty"):
        InflatedStream(path)
