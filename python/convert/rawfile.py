"""Reading raw release files: header peek, checksums, independent record counts, streaming decompression.

The record count that the manifest compares with the Parquet row count comes from here, not from DuckDB: a
quote-aware newline count over the decompressed bytes (a newline inside a quoted field does not end a
record). It runs in the same streaming pass that hashes the compressed file and decompresses it for DuckDB,
so every byte is decompressed exactly once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import types
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from convert.errors import ConvertError

_inflate: types.ModuleType
try:  # ISA-L inflates about twice as fast as zlib; same stream format and API
    from isal import isal_zlib as _inflate
except ImportError:  # pragma: no cover - isal is a dependency, zlib is the fallback
    _inflate = zlib
_INFLATE_ERRORS: tuple[type[BaseException], ...] = (zlib.error, _inflate.error)

CHUNK = 1 << 20


def is_gzip(path: Path) -> bool:
    return path.name.endswith(".gz")


class RecordCounter:
    """Counts CSV records in a byte stream fed chunk by chunk (RFC 4180 quoting, `""` escapes)."""

    def __init__(self) -> None:
        self.newlines = 0  # newlines outside quotes
        self.in_quote = False
        self.last = b"\n"  # last byte seen, to count a final record without a trailing newline
        self.bytes = 0

    def feed(self, data: bytes) -> None:
        if not data:
            return
        self.bytes += len(data)
        self.last = data[-1:]
        if b'"' not in data:
            if not self.in_quote:
                self.newlines += data.count(b"\n")
            return
        parts = data.split(b'"')
        outside = parts[1::2] if self.in_quote else parts[0::2]
        self.newlines += sum(p.count(b"\n") for p in outside)
        if (len(parts) - 1) % 2:
            self.in_quote = not self.in_quote

    @property
    def records(self) -> int:
        """Records including the header line."""
        return self.newlines + (0 if self.last == b"\n" else 1)


def iter_decompressed(path: Path, on_raw: Callable[[bytes], None] | None = None) -> Iterator[bytes]:
    """Yield decompressed chunks of `path` (plain or gzip, multi-member aware); `on_raw` sees the raw bytes.

    Raises ConvertError naming the file for truncated or corrupt gzip data.
    """
    with open(path, "rb") as raw:
        if not is_gzip(path):
            for chunk in iter(lambda: raw.read(CHUNK), b""):
                if on_raw:
                    on_raw(chunk)
                yield chunk
            return
        dec = _inflate.decompressobj(31)
        offset = 0
        member_bytes = 0  # compressed bytes fed to the current gzip member
        for chunk in iter(lambda: raw.read(CHUNK), b""):
            if on_raw:
                on_raw(chunk)
            data = chunk
            while data:
                member_bytes += len(data)
                try:
                    out = dec.decompress(data)
                except _INFLATE_ERRORS as exc:
                    raise ConvertError(
                        f"{path}: corrupt gzip data near compressed byte {offset} ({exc})"
                    ) from None
                if out:
                    yield out
                if dec.eof:
                    # A new gzip member may follow (concatenated gzip files are valid).
                    data = dec.unused_data
                    dec = _inflate.decompressobj(31)
                    member_bytes = 0
                    if data and not data.startswith(b"\x1f\x8b"):
                        raise ConvertError(
                            f"{path}: corrupt gzip data (trailing garbage after a gzip member)"
                        )
                else:
                    data = b""
            offset += len(chunk)
        if member_bytes and not dec.eof:
            raise ConvertError(
                f"{path}: truncated gzip file (the compressed stream ends before its end marker)"
            )


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
        for piece in chunk.splitlines(keepends=True):
            if at_line_start and counter.newlines >= record and not counter.in_quote:
                return lines + 1
            counter.feed(piece)
            lines += piece.count(b"\n")
            at_line_start = piece.endswith(b"\n")
    return lines + 1
