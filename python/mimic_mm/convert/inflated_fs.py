"""Serve gzip release files to DuckDB inflated by ISA-L, as plain files, in one pass that also hashes and
counts them.

Why not a named pipe: DuckDB keeps every buffer it reads from a file it cannot seek in (a FIFO, stdin), in
case it must read it again, and spills them to its temp folder once its memory is full (duckdb/duckdb#25165).
A 30 GB chartevents would leave 30 GB of raw rows in temp files. A file of known size, read front to back,
streams in constant memory.
Why not DuckDB's own gzip reader: it inflates at less than half of ISA-L's speed.

DuckDB asks for the file size before it reads, and fails a read that returns fewer bytes than it asked for.
Inflating the file once just to learn its size cost a fifth of the conversion, so the size is worked out
where that is safe: a file that ends within its first `HEAD_BYTES` has its exact size; otherwise the gzip
trailer holds the size modulo 2**32 (ISIZE), and the compression ratio of the first `SAMPLE_BYTES` of the
file says how many times 2**32 to add. That is trusted only up to `MAX_GUESS` inflated bytes, where the ratio
would have to be off by a quarter to pick the wrong multiple; bigger files (the real chartevents and
labevents) are measured by a full pass first. A wrong size (a multi-member gzip file, whose trailer holds
only its last member's size, or an odd ratio) never passes silently: data that ends early fails DuckDB's
read, data left over after the stated size is seen by `finish`, and either raises `SizeGuessWrong`, upon
which the caller converts the table again at the measured size. The hash and record count come from the
bytes DuckDB read, so they still describe the whole file independently of DuckDB.
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
from isal import isal_zlib
from isal.igzip import IGzipFile

from mimic_mm.convert.errors import ConvertError
from mimic_mm.convert.rawfile import CHUNK, RawScan, RecordCounter, Shape, TappedFile, gzip_failure, scan

PROTOCOL = "inflated"
HEAD_BYTES = 16 << 20  # inflated before DuckDB opens the file: a file that ends within it is measured
SAMPLE_BYTES = 4 << 20  # compressed bytes whose ratio predicts the inflated size
WRAP = 1 << 32  # ISIZE is the size modulo this
MAX_GUESS = 2 * WRAP  # beyond it, a ratio off by a quarter would pick the wrong multiple of WRAP


class SizeGuessWrong(Exception):
    """The worked-out size was not the file's: convert again with the measured size."""


def guess_size(compressed: int, isize: int, ratio: float) -> int | None:
    """The size whose remainder modulo 2**32 is `isize`, nearest to `compressed * ratio`; None if too big."""
    estimate = compressed * ratio
    if estimate > MAX_GUESS:
        return None
    return isize + max(0, round((estimate - isize) / WRAP)) * WRAP


def _trailer_isize(path: Path) -> int:
    with open(path, "rb") as f:
        f.seek(-4, io.SEEK_END)
        return int.from_bytes(f.read(4), "little")


def _sampled_ratio(path: Path) -> float | None:
    """Inflated bytes per compressed byte over the start of `path`; None if that is not readable gzip."""
    with open(path, "rb") as f:
        data = f.read(SAMPLE_BYTES)
    inflate = isal_zlib.decompressobj(wbits=31)  # fed exactly these bytes: no read-ahead skews the ratio
    try:
        out = len(inflate.decompress(data, CHUNK))
        while inflate.unconsumed_tail:
            out += len(inflate.decompress(inflate.unconsumed_tail, CHUNK))
    except Exception:  # the full read reports bad data with its own message
        return None
    used = len(data) - len(inflate.unused_data)
    return out / used if used and out else None


class InflatedStream(io.RawIOBase):
    """One gzip file inflated front to back for one DuckDB read; hashes the file and counts its records."""

    def __init__(self, path: Path, size: int | None = None, shape: Shape | None = None) -> None:
        """`size`: the exact inflated size if known (from `rawfile.scan`); otherwise it is worked out.
        `shape`: the checks the record count applies (see `rawfile.RecordCounter`)."""
        super().__init__()
        self.path = path
        self._digest = hashlib.sha256()
        self._raw = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by release()
        self._tapped = TappedFile(self._raw, self._digest.update)
        self._gzip = IGzipFile(fileobj=self._tapped)
        self.counter = RecordCounter(shape)
        self.error: ConvertError | None = None
        self.ended = False  # the gzip data has been read to its end
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
        if self.ended and size is None:
            size = len(head)
        if size is None:
            ratio = _sampled_ratio(path)
            guess = guess_size(path.stat().st_size, _trailer_isize(path), ratio) if ratio else None
            # More data follows the head, so a guess within it is wrong for certain.
            size = guess if guess is not None and guess > len(head) else scan(path).data_bytes
        self.size = size
        self.short = False  # the data ended before the stated size

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
        try:
            for i in range(0, len(data), CHUNK):  # megabyte pieces: whole reads would page-fault temporaries
                self.counter.feed(view[i : i + CHUNK])
        except ConvertError as exc:  # a damaged record: DuckDB's read fails, the caller reports this
            self.error = exc
            raise
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
        data = b""
        if self._head is not None:
            data, rest = self._head[:want], self._head[want:]
            self._head = rest or None
        if len(data) < want and not self.ended:
            more = self._inflate(want - len(data))
            data = data + more if data else more
        if len(data) < want:
            self.short = True
            end = self._pos + len(data)
            raise SizeGuessWrong(f"{self.path}: data ends at byte {end:,}, not {self.size:,}")
        self._pos += want
        return data

    def size_wrong(self) -> bool:
        """Whether the stated size was not the data's: it ended early, or continues after DuckDB stopped."""
        if self.short:
            return True
        if self._pos < self.size:
            return False  # DuckDB stopped early for a reason of its own
        return self._head is not None or (not self.ended and bool(self._inflate(1)))

    def finish(self) -> RawScan:
        """After DuckDB read the whole stated size: the file's checksum and record count; SizeGuessWrong."""
        if self._pos < self.size:
            raise RuntimeError(f"{self.path}: DuckDB stopped at byte {self._pos} of {self.size}")
        if self.size_wrong():
            raise SizeGuessWrong(f"{self.path}: data continues after byte {self.size:,}")
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
    def serve(
        self, source: Path, size: int | None = None, shape: Shape | None = None
    ) -> Iterator[tuple[str, InflatedStream]]:
        """Make gzip file `source` readable by DuckDB, once, at the yielded URL (`size`, `shape`: see the
        stream)."""
        stream = InflatedStream(source, size, shape)
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
