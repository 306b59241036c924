"""CSV files as the published MIMIC-Eye spells them, written from Arrow data."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

_OPTIONS = pacsv.WriteOptions(include_header=False, quoting_style="needed")


def header_line(columns: Sequence[str], index: bool) -> bytes:
    """Header as pandas writes it: minimal quoting, an empty first name for the index column."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(["", *columns] if index else list(columns))
    return buf.getvalue().encode()


def open_private(path: Path) -> io.BufferedWriter:
    """A new file readable by the owner only (the data is credentialed)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    return os.fdopen(fd, "wb")


class CsvSink:
    """Appends Arrow batches to one CSV, numbering rows 0..n-1 in the index column when asked."""

    def __init__(self, path: Path, columns: Sequence[str], index: bool) -> None:
        self.path, self.columns, self.index = path, list(columns), index
        self.rows = 0
        self._fh = open_private(path)
        self._fh.write(header_line(self.columns, index))

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        if data.num_rows == 0:
            return
        cols = [data.column(name) for name in self.columns]
        names = list(self.columns)
        if self.index:
            cols.insert(0, pa.array(range(self.rows, self.rows + data.num_rows), pa.int64()))
            names.insert(0, "")
        pacsv.write_csv(pa.Table.from_arrays(cols, names=names), self._fh, _OPTIONS)
        self.rows += data.num_rows

    def close(self) -> None:
        self._fh.close()

    def __enter__(self) -> CsvSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_csv(path: Path, data: pa.Table, columns: Sequence[str], index: bool) -> int:
    """One whole CSV file; returns its size in bytes."""
    with CsvSink(path, columns, index) as sink:
        sink.write(data)
    return path.stat().st_size


def write_stream(path: Path, batches: Iterable[pa.RecordBatch], columns: Sequence[str], index: bool) -> int:
    """A CSV written batch by batch (whole-table spreadsheets); returns the number of rows."""
    with CsvSink(path, columns, index) as sink:
        for batch in batches:
            sink.write(batch)
        return sink.rows
