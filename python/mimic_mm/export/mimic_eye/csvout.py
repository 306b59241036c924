"""CSV files as the published MIMIC-Eye spells them, written from Arrow data."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Characters that force quoting under csv.QUOTE_MINIMAL (what pandas' to_csv and the published files use).
_NEEDS_QUOTES = r'[,"\r\n]'


def _field(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One column as CSV fields: values rendered as Arrow's CSV writer renders them, NULL as an empty field,
    and quotes only around values holding a delimiter, a quote or a line break (Arrow's own writer quotes
    every string, which the published files never do)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    text = column if pa.types.is_string(column.type) else pc.cast(column, pa.string())
    text = pc.fill_null(text, "")
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        text = pc.if_else(pc.match_substring_regex(text, _NEEDS_QUOTES), quoted, text)
    return text


def csv_rows(columns: Sequence[pa.Array | pa.ChunkedArray]) -> bytes:
    """The CSV lines (each ending in `\\n`) of equally long columns."""
    fields = [_field(c) for c in columns]
    lines = pc.binary_join_element_wise(*fields, "", ",")  # the trailing "" gives each line its final ","
    lines = pc.utf8_replace_slice(lines, -1, 2**31 - 1, "\n")  # ... which becomes the line end
    # A string array's data buffer is its values back to back: the file's bytes, without a Python loop.
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return memoryview(lines.buffers()[2])[start:end].tobytes()


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
        if self.index:
            cols.insert(0, pa.array(range(self.rows, self.rows + data.num_rows), pa.int64()))
        self._fh.write(csv_rows(cols))
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
