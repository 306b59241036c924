"""Reading raw release files: header peek, checksums, independent record counts, streaming decompression.

The record count that the manifest compares with the Parquet row count comes from here, not from DuckDB: a
quote-aware newline count over the decompressed bytes (a newline inside a quoted field does not end a
record). For gzip CSV tables it runs on the bytes `inflated_fs` inflates for DuckDB, so every byte is
decompressed once; `scan` is the full pass for plain files and for sizes that must be measured.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
from isal import igzip_lib
from isal.igzip import IGzipFile

from mimic_mm.convert.errors import ConvertError

CHUNK = 1 << 20
_ISAL_ERROR: type[Exception] = igzip_lib.IsalError  # type: ignore[assignment]  # stubs lack its base
QUOTE = ord('"')
NEWLINE = ord("\n")
COMMA = ord(",")
CR = ord("\r")
Buffer = bytes | bytearray | memoryview


def is_gzip(path: Path) -> bool:
    return path.name.endswith(".gz")


@dataclass(frozen=True)
class Shape:
    """What a well-formed CSV file looks like, for the checks of `RecordCounter`: the file (named in errors)
    and the 0-based fields that may hold line breaks (free text, `releases/free_text_columns.tsv`)."""

    path: Path
    multiline: frozenset[int] = frozenset()
    # Look for blank lines too: a diagnosis pass after a count mismatch (DuckDB skips blank lines), kept out
    # of the conversion pass, where finding them would cost a second scan of every chunk.
    blank_lines: bool = False


# Bytes that may stand before an opening quote (field start, or the second quote of a `""` escape) and
# after a closing quote (field end, or the first quote of an escape). CR: files with CRLF line ends.
_BEFORE_OPEN = np.array([COMMA, NEWLINE, QUOTE], np.uint8)
_AFTER_CLOSE = np.array([COMMA, NEWLINE, QUOTE, CR], np.uint8)


def _last_true(mask: np.ndarray) -> int:
    """Index of the last True of a mask holding one: searched in a window at the end first (a line is
    short), since a reversed scan of the whole chunk costs as much as the count itself."""
    window = 1 << 16
    while True:
        start = max(0, mask.size - window)
        hits = np.flatnonzero(mask[start:])
        if hits.size:
            return start + int(hits[-1])
        window <<= 4


def _blank_line(arr: np.ndarray, ends: np.ndarray, previous: int) -> int:
    """Position of the first record end in `ends` that ends an empty line (LF or CRLF), or -1.

    DuckDB skips blank lines: one would go missing from its count and fail the table without a line."""
    if not ends.size:
        return -1
    before = np.where(ends > 0, arr[np.maximum(ends - 1, 0)], previous)
    blank = before == NEWLINE
    crlf = (before == CR) & (ends > 1)
    if crlf.any():
        blank |= crlf & (arr[np.maximum(ends - 2, 0)] == NEWLINE)
    hits = np.flatnonzero(blank)
    return int(ends[hits[0]]) if hits.size else -1


class RecordCounter:
    """Counts CSV records in a byte stream fed chunk by chunk (RFC 4180 quoting, `""` escapes).

    numpy does the byte scans: it reads a chunk at memory speed without copying it, about four times
    faster than `bytes.count`, and releases the GIL while it scans.

    With a `Shape` it also checks the file against evidence that does not depend on how a parser pairs the
    quotes: a quote must stand at the start or end of a field, and a line break inside quotes must sit in a
    field that may hold free text. A stray or unclosed quote makes any quote-aware parser (this one, DuckDB)
    swallow every line up to the next quote into one value; these checks stop the table instead, naming the
    line where the swallowed span starts. They cost nothing on chunks without quotes.
    """

    def __init__(self, shape: Shape | None = None) -> None:
        self.newlines = 0  # newlines outside quotes
        self.in_quote = False
        self.last = ord("\n")  # last byte seen, to count a final record without a trailing newline
        self.bytes = 0
        self.shape = shape
        self.lines = 0  # physical newlines
        self.field = 0  # index of the field the stream is in (unquoted commas since the record began)
        self.field_line = 1  # physical line where that field began
        self.open_line = 1  # physical line of the quote that opened the current quoted value
        self.closer_pending = False  # the last chunk ended on a closing quote: its next byte is still due

    def feed(self, data: Buffer) -> None:
        arr = np.frombuffer(data, np.uint8)
        if not arr.size:
            return
        previous = self.last
        self.bytes += arr.size
        self.last = int(arr[-1])
        is_quote = arr == QUOTE
        if not is_quote.any():
            if self.shape is None:
                if not self.in_quote:
                    self.newlines += int(np.count_nonzero(arr == NEWLINE))
                return
            self._feed_unquoted(arr, previous)
            return
        quotes = np.flatnonzero(is_quote)
        newlines = np.flatnonzero(arr == NEWLINE)
        # A newline is outside quotes when the quotes before it (plus the carried state) are even in number.
        inside = (np.searchsorted(quotes, newlines) + int(self.in_quote)) & 1
        self.newlines += int(np.count_nonzero(inside == 0))
        if self.shape is not None:
            self._check_quoted(arr, previous, quotes, newlines, inside)
        if quotes.size % 2:
            self.in_quote = not self.in_quote

    def _feed_unquoted(self, arr: np.ndarray, previous: int) -> None:
        """A checked chunk without quotes: count, and follow which field and line the stream is in."""
        assert self.shape is not None
        if self.closer_pending:
            self.closer_pending = False
            if arr[0] not in _AFTER_CLOSE:
                self._misplaced_quote(self.open_line)
        is_newline = arr == NEWLINE
        count = int(np.count_nonzero(is_newline))
        if self.in_quote:
            if count and self.field not in self.shape.multiline:
                self._broken_value(self.field_line)
            self.lines += count
            return
        if self.shape.blank_lines:
            newlines = np.flatnonzero(is_newline)
            blank = _blank_line(arr, newlines, previous)
            if blank >= 0:
                self._blank(self.lines + int(np.searchsorted(newlines, blank)) + 1)
        self.newlines += count
        # The field the chunk ends in: commas after its last newline (found from the end, which is quick).
        last = _last_true(is_newline) if count else -1
        commas = int(np.count_nonzero(arr[last + 1 :] == COMMA))
        self.field = commas if count else self.field + commas
        self.lines += count
        if count or commas:
            self.field_line = self.lines + 1

    def _check_quoted(
        self, arr: np.ndarray, previous: int, quotes: np.ndarray, newlines: np.ndarray, inside: np.ndarray
    ) -> None:
        """The checks of a chunk with quotes; also carries field, line and quote state to the next chunk."""
        assert self.shape is not None
        n = arr.size
        line_of = lambda pos: self.lines + int(np.searchsorted(newlines, pos)) + 1  # noqa: E731
        # Quote k opens a value when the quotes before it (plus the carried state) are even in number.
        opens = ((np.arange(quotes.size) + int(self.in_quote)) & 1) == 0
        before = np.where(quotes > 0, arr[np.maximum(quotes - 1, 0)], previous)
        after_idx = quotes + 1
        has_after = after_idx < n
        after = np.where(has_after, arr[np.minimum(after_idx, n - 1)], COMMA)
        bad_open = opens & ~np.isin(before, _BEFORE_OPEN)
        bad_close = ~opens & has_after & ~np.isin(after, _AFTER_CLOSE)
        problems: list[tuple[int, int, int]] = []  # (byte position, span start line, kind)
        if self.closer_pending:
            self.closer_pending = False
            if arr[0] not in _AFTER_CLOSE:
                problems.append((0, self.open_line, 0))
        if bad_open.any() or bad_close.any():
            k = int(np.flatnonzero(bad_open | bad_close)[0])
            # The span starts at the quote that opened the value the misplaced quote closes (or at itself).
            if opens[k]:
                start_line = line_of(quotes[k])
            else:
                start_line = line_of(quotes[k - 1]) if k > 0 else self.open_line
            problems.append((int(quotes[k]), start_line, 0))
        quoted_nl = newlines[inside == 1]
        record_ends = newlines[inside == 0]
        blank = _blank_line(arr, record_ends, previous) if self.shape.blank_lines else -1
        if blank >= 0:
            problems.append((blank, line_of(blank), 2))
        if quoted_nl.size:
            commas = np.flatnonzero(arr == COMMA)
            commas = commas[((np.searchsorted(quotes, commas) + int(self.in_quote)) & 1) == 0]
            k = np.searchsorted(record_ends, quoted_nl)
            record_start = np.append(-1, record_ends)[k]  # -1: the record began in an earlier chunk
            fields = np.searchsorted(commas, quoted_nl) - np.searchsorted(commas, record_start)
            fields = fields + np.where(k > 0, 0, self.field)
            bad = ~np.isin(fields, np.array(sorted(self.shape.multiline), np.int64))
            if bad.any():
                j = int(np.flatnonzero(bad)[0])
                c = int(np.searchsorted(commas, quoted_nl[j])) - 1
                field_start = max(int(commas[c]) if c >= 0 else -1, int(record_start[j]))
                start_line = line_of(field_start + 1) if field_start >= 0 else self.field_line
                problems.append((int(quoted_nl[j]), start_line, 1))
        else:
            commas = None
        if problems:
            _, start_line, kind = min(problems)
            if kind == 2:
                self._blank(start_line)
            if kind == 1:
                self._broken_value(start_line)
            self._misplaced_quote(start_line)
        # Carry the state: the field the stream ends in, where it began, where an open quote was opened.
        last_end = int(record_ends[-1]) if record_ends.size else -1
        if commas is None:
            tail = arr[last_end + 1 :]
            tail_commas = np.flatnonzero(tail == COMMA) + last_end + 1
            tail_quotes = quotes[quotes > last_end]
            base = int(np.searchsorted(quotes, last_end, side="right")) + int(self.in_quote)
            outside = ((np.searchsorted(tail_quotes, tail_commas) + base) & 1) == 0
            commas = tail_commas[outside]
        after_end = commas[commas > last_end]
        self.field = after_end.size + (0 if record_ends.size else self.field)
        last_delim = max(int(after_end[-1]) if after_end.size else -1, last_end)
        if last_delim >= 0:
            self.field_line = line_of(last_delim + 1)
        ends_open = bool((quotes.size + int(self.in_quote)) & 1)
        if ends_open:
            self.open_line = line_of(int(quotes[-1]))
        elif quotes[-1] == n - 1:
            self.closer_pending = True
        self.lines += newlines.size

    def _blank(self, line: int) -> None:
        assert self.shape is not None
        raise ConvertError(
            f"{self.shape.path}: line {line}: blank line (a release file has none: was it edited or cut?)"
        )

    def _broken_value(self, start_line: int) -> None:
        assert self.shape is not None
        raise ConvertError(
            f"{self.shape.path}: line {start_line}: a quoted value spans lines in a column that holds no free"
            " text: a quote that is never closed swallows the lines after it into one value (a stray"
            ' `"`, e.g. from a damaged download or a local edit)'
        )

    def _misplaced_quote(self, start_line: int) -> None:
        assert self.shape is not None
        raise ConvertError(
            f"{self.shape.path}: line {start_line}: a quote out of place (a quoted value must start and end"
            ' at a comma or line end): a stray or unclosed `"` makes a parser swallow the lines that follow'
        )

    @property
    def records(self) -> int:
        """Records including the header line."""
        return self.newlines + (0 if self.last == NEWLINE else 1)


class TappedFile(io.RawIOBase):
    """A raw file that shows every byte read to a callback (the checksum) and counts them."""

    def __init__(self, raw: BinaryIO, on_raw: Callable[[Buffer], None] | None) -> None:
        self.raw = raw
        self.on_raw = on_raw
        self.offset = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:  # any writable buffer
        n = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        if n and self.on_raw:
            self.on_raw(memoryview(buffer)[:n])
        self.offset += n or 0
        return n or 0


def iter_decompressed(path: Path, on_raw: Callable[[Buffer], None] | None = None) -> Iterator[memoryview]:
    """Yield decompressed chunks of `path` (plain or gzip, multi-member aware); `on_raw` sees the raw bytes.

    Each chunk is a view of one reused buffer, valid until the next one is requested: allocating a fresh
    megabyte per chunk cost more in page faults than ISA-L spends inflating it.
    Raises ConvertError naming the file for truncated or corrupt gzip data.
    """
    buf = bytearray(CHUNK)
    view = memoryview(buf)
    with open(path, "rb", buffering=0) as raw:
        tapped = TappedFile(raw, on_raw)  # type: ignore[arg-type]
        reader: BinaryIO = IGzipFile(fileobj=tapped) if is_gzip(path) else tapped  # type: ignore[assignment]
        try:
            while n := reader.readinto(buf):  # type: ignore[attr-defined]
                yield view[:n]
        except Exception as exc:
            failure = gzip_failure(path, exc, tapped.offset) if is_gzip(path) else None
            if failure is None:
                raise
            raise failure from None


def gzip_failure(path: Path, exc: Exception, offset: int) -> ConvertError | None:
    """The ConvertError for an exception raised while inflating `path`, or None if it is not bad gzip data."""
    if isinstance(exc, EOFError):
        return ConvertError(f"{path}: truncated gzip file (the compressed stream ends before its end marker)")
    if isinstance(exc, OSError | _ISAL_ERROR) and not isinstance(exc, FileNotFoundError | PermissionError):
        return ConvertError(f"{path}: corrupt gzip data near compressed byte {offset} ({exc})")
    return None


@dataclass(frozen=True)
class RawScan:
    sha256: str  # of the file as stored (compressed)
    records: int  # CSV records including the header line
    data_bytes: int  # decompressed size


def scan(path: Path, shape: Shape | None = None) -> RawScan:
    """Hash, inflate and count `path` in one pass; ConvertError for bad gzip data or an empty file, and for
    a file that fails the checks of `shape` (see `RecordCounter`)."""
    digest = hashlib.sha256()
    counter = RecordCounter(shape)
    try:
        for data in iter_decompressed(path, digest.update):
            counter.feed(data)
    except OSError as exc:
        raise ConvertError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if counter.bytes == 0:
        raise ConvertError(f"{path}: file is empty (no header line)")
    return RawScan(digest.hexdigest(), counter.records, counter.bytes)


def read_header(path: Path) -> list[str]:
    """The first CSV record of `path`; ConvertError for an empty file or unreadable data."""
    buf = b""
    try:
        for chunk in iter_decompressed(path):
            buf += chunk
            if b"\n" in buf and _complete_record(buf):
                break
    except ConvertError:
        if not buf:
            raise
    if not buf.strip():
        raise ConvertError(f"{path}: file is empty (no header line)")
    text = buf.decode("utf-8-sig", errors="replace")
    return next(csv.reader(io.StringIO(text)))


def _complete_record(buf: bytes) -> bool:
    counter = RecordCounter()
    counter.feed(buf)
    return counter.newlines >= 1


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def line_of_record(path: Path, record: int) -> int:
    """Physical line (1-based) where data record `record` (1-based, header excluded) starts."""
    counter = RecordCounter()
    lines = 0
    at_line_start = True
    for chunk in iter_decompressed(path):
        for piece in bytes(chunk).splitlines(keepends=True):
            if at_line_start and counter.newlines >= record and not counter.in_quote:
                return lines + 1
            counter.feed(piece)
            lines += piece.count(b"\n")
            at_line_start = piece.endswith(b"\n")
    return lines + 1
