"""Serve gzip release files to DuckDB inflated by ISA-L, as plain files of known size.

Why not a named pipe: DuckDB keeps every buffer it reads from a file it cannot seek in (a FIFO, stdin), in
case it must read it again, and spills them to its temp folder once its memory is full (duckdb/duckdb#25165).
A 30 GB chartevents would leave 30 GB of raw rows in temp files. A file of known size, read front to back,
streams in constant memory.
Why not DuckDB's own gzip reader: it inflates at less than half of ISA-L's speed.

The size DuckDB needs up front comes from the pass that hashes and counts the file first (`rawfile.scan`);
DuckDB then reads the file sequentially, and each read inflates the next piece. A reader that reaches the end
early, or a file that grew, fails the read or the row-count check, never silently.
"""

from __future__ import annotations

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

PROTOCOL = "inflated"


class _InflatingReader(io.RawIOBase):
    """The decompressed bytes of one gzip file, read front to back (DuckDB seeks to where it already is)."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._gzip = IGzipFile(path, "rb")
        self._pos = 0

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
        data = self._gzip.read(-1 if size is None else size)
        self._pos += len(data)
        return data

    def close(self) -> None:
        self._gzip.close()
        super().close()


class InflatedFileSystem(AbstractFileSystem):  # type: ignore[misc]
    """`inflated://<token>.csv` names a gzip file served decompressed; tokens are handed out by `serve`."""

    protocol = PROTOCOL
    cachable = False  # one registry per instance, not fsspec's shared instance cache

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._files: dict[str, tuple[Path, int]] = {}
        self._lock = threading.Lock()

    def _lookup(self, path: str) -> tuple[Path, int]:
        token = str(path).split("://", 1)[-1].removesuffix(".csv")
        with self._lock:
            try:
                return self._files[token]
            except KeyError:
                raise FileNotFoundError(path) from None

    @contextmanager
    def serve(self, source: Path, size: int) -> Iterator[str]:
        """Make `source` (gzip, `size` bytes once inflated) readable by DuckDB under the yielded URL."""
        token = uuid.uuid4().hex
        with self._lock:
            self._files[token] = (source, size)
        try:
            # The name must not end in .gz: DuckDB would try to decompress it again.
            yield f"{PROTOCOL}://{token}.csv"
        finally:
            with self._lock:
                del self._files[token]

    def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> io.RawIOBase:
        if mode != "rb":
            raise PermissionError(f"{path}: read-only")
        return _InflatingReader(self._lookup(path)[0])

    def info(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return {"name": path, "size": self._lookup(path)[1], "type": "file"}

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
