"""Serve gzip release files to DuckDB inflated by ISA-L, as plain files, in one pass that also hashes and
counts them.

Why not a named pipe: DuckDB keeps every buffer it reads from a file it cannot seek in (a FIFO, stdin), in
case it must read it again, and spills them to its temp folder once its memory is full (duckdb/duckdb#25165).
A 30 GB chartevents would leave 30 GB of raw rows in temp files. A file of known size, read front to back,
streams in constant memory.
Why not DuckDB's own gzip reader: it inflates at less than half of ISA-L's speed.

DuckDB asks for the file size before it reads, and fails a read that returns fewer bytes than it asked for.
Inflating the file once just to learn its size cost a fifth of the conversion, so the size is worked out
instead: the gzip trailer holds it modulo 2**32 (ISIZE), and the compression ratio of the first
`HEAD_BYTES` says how many times 2**32 to add. A file that ends within the head has its exact size. When the
data ends before the stated size, blank lines fill the rest: DuckDB skips blank lines in a CSV with two or
more columns (one-column files are never guessed). When the stated size is too small, DuckDB stops early,
`finish` notices the data that is left and raises `SizeTooSmall`, and the caller converts again with the
size a full pass measures: slower, never wrong. The hash and record count come from the bytes DuckDB read,
so they still describe the whole file independently of DuckDB.
"""

from __future__ import annotations

import hashlib
import io
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
from fsspec.spec import AbstractFileSystem
from isal.igzip import IGzipFile

from convert.errors import ConvertError
from convert.rawfile import CHUNK, RawScan, RecordCounter, TappedFile, gzip_failure

PROTOCOL = "inflated"
HEAD_BYTES = 16 << 20
WRAP = 1 << 32  # ISIZE is the size modulo this


class SizeTooSmall(Exception):
    """The size DuckDB was given ends before the data does: convert again with the measured size."""


def guess_size(compressed: int, isize: int, head_in: int, head_out: int) -> int:
    """The inflated size whose remainder modulo 2**32 is `isize`, nearest to the head's compression ratio."""
    estimate = compressed * head_out / max(head_in, 1)
    size = isize + max(0, round((estimate - isize) / WRAP)) * WRAP
    while size < head_out:  # never less than what is already inflated
        size += WRAP
    return size


def _trailer_isize(path: Path) -> int:
    with open(path, "rb") as f:
        f.seek(-4, io.SEEK_END)
        return int.from_bytes(f.read(4), "little")


class InflatedStream(io.RawIOBase):
    """One gzip file inflated front to back for one DuckDB read; hashes the file and counts its records."""

    def __init__(self, path: Path, size: int | None = None) -> None:
        """`size`: the exact inflated size if known (from `rawfile.scan`); otherwise it is worked out."""
        super().__init__()
        self.path = path
        self._digest = hashlib.sha256()
        self._raw = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by release()
        self._tapped = TappedFile(self._raw, self._digest.update)
        self._gzip = IGzipFile(fileobj=self._tapped)
        self.counter = RecordCounter()
        self.error: ConvertError | None = None
        self.ended = False  # the gzip data has been read to its end
        self.padding = 0  # blank-line bytes served after the end
        self.opened = False
        self._pos = 0
        try:
            head = self._inflate(HEAD_BYTES)
            if not head:
                raise ConvertError(f"{path}: file is empty (no header line)")
        except BaseException:
            self.release()
            raise
        self._head: bytes | None = head
        if size is not None:
            self.size = size
        elif self.ended:
            self.size = len(head)
        else:
            self.size = guess_size(path.stat().st_size, _trailer_isize(path), self._tapped.offset, len(head))

    def _inflate(self, n: int) -> bytes:
        """Up to `n` more bytes of data; fewer only at the end. Gzip errors become a ConvertError."""
        try:
            data = self._gzip.read(n)
        except Exception as exc:
            failure = gzip_failure(self.path, exc, self._tapped.offset)
            if failure is None:
                raise
            self.error = failure
            raise failure from None
        view = memoryview(data)
        for i in range(0, len(data), CHUNK):  # megabyte pieces: whole reads would page-fault temporaries
            self.counter.feed(view[i : i + CHUNK])
        if len(data) < n:
            self.ended = True
        return data

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = {io.SEEK_SET: offset, io.SEEK_CUR: self._pos + offset}.get(whence)
        if target != self._pos:
            raise io.UnsupportedOperation(f"an inflated gzip stream reads forward only (seek to {offset})")
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        want = self.size - self._pos if size is None or size < 0 else min(size, self.size - self._pos)
        pieces = []
        if self._head is not None:
            pieces.append(self._head[:want])
            self._head = self._head[want:] or None
        missing = want - sum(map(len, pieces))
        if missing and not self.ended:
            pieces.append(self._inflate(missing))
            missing = want - sum(map(len, pieces))
        if missing:
            pieces.append(b"\n" * missing)
            self.padding += missing
        self._pos += want
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def cut_short(self) -> bool:
        """Whether DuckDB read the whole stated size and data is left after it (the size was too small)."""
        if self._pos < self.size:
            return False
        return self._head is not None or (not self.ended and bool(self._inflate(1)))

    def finish(self) -> RawScan:
        """After DuckDB read the whole stated size: the file's checksum and record count, or SizeTooSmall."""
        if self._pos < self.size:
            raise RuntimeError(f"{self.path}: DuckDB stopped at byte {self._pos} of {self.size}")
        if self.cut_short():
            raise SizeTooSmall(f"{self.path}: data continues after the guessed size {self.size:,}")
        return RawScan(self._digest.hexdigest(), self.counter.records, self.counter.bytes)

    def close(self) -> None:
        # DuckDB closes its handle when it is done; the stream stays readable for `finish`, then `release`.
        pass

    def release(self) -> None:
        self._gzip.close()
        self._raw.close()
        super().close()


class InflatedFileSystem(AbstractFileSystem):  # type: ignore[misc]
    """`inflated://<token>.csv` names a gzip file served decompressed; tokens are handed out by `serve`."""

    protocol = PROTOCOL
    cachable = False  # one registry per instance, not fsspec's shared instance cache

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._files: dict[str, InflatedStream] = {}
        self._lock = threading.Lock()

    def _lookup(self, path: str) -> InflatedStream:
        token = str(path).split("://", 1)[-1].removesuffix(".csv")
        with self._lock:
            try:
                return self._files[token]
            except KeyError:
                raise FileNotFoundError(path) from None

    @contextmanager
    def serve(self, source: Path, size: int | None = None) -> Iterator[tuple[str, InflatedStream]]:
        """Make gzip file `source` readable by DuckDB, once, at the yielded URL (`size`: see the stream)."""
        stream = InflatedStream(source, size)
        token = uuid.uuid4().hex
        with self._lock:
            self._files[token] = stream
        try:
            # The name must not end in .gz: DuckDB would try to decompress it again.
            yield f"{PROTOCOL}://{token}.csv", stream
        finally:
            with self._lock:
                del self._files[token]
            stream.release()

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> io.RawIOBase:
        if mode != "rb":
            raise PermissionError(f"{path}: read-only")
        stream = self._lookup(path)
        if stream.opened:
            raise io.UnsupportedOperation(f"{path}: an inflated gzip stream can be read once")
        stream.opened = True
        return stream

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return {"name": path, "size": self._lookup(path).size, "type": "file"}

    def ls(self, path: str, detail: bool = True, **kwargs: Any) -> list:
        entry = self.info(path)
        return [entry] if detail else [entry["name"]]


# One registry for the process: every worker's connection registers the same instance.
INFLATED = InflatedFileSystem()


def attach(con: duckdb.DuckDBPyConnection) -> InflatedFileSystem:
    """The inflating file system, registered with `con` if it is not yet."""
    if PROTOCOL not in con.list_filesystems():
        con.register_filesystem(INFLATED)
    return INFLATED
