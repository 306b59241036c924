"""Feed a raw file to DuckDB through a named pipe, hashing and counting records on the way.

Python decompresses each gzip file once (the pass the benchmark's floor measures), hashes the compressed
bytes, counts records independently of DuckDB, and writes the plain CSV into a FIFO that DuckDB's CSV reader
parses. Decompression and parsing thus run on two threads, and DuckDB never decompresses.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import threading
import time
from pathlib import Path

from convert.errors import ConvertError
from convert.rawfile import RecordCounter, iter_decompressed


class Feeder(threading.Thread):
    def __init__(self, source: Path, fifo: Path) -> None:
        super().__init__(daemon=True, name=f"feed-{source.name}")
        self.source = source
        self.fifo = fifo
        self.counter = RecordCounter()
        self.sha256 = hashlib.sha256()
        self.error: ConvertError | None = None
        self.reader_gone = False  # DuckDB closed the pipe early (it failed; its error is reported)
        self.stop = threading.Event()

    def _open(self) -> int | None:
        # Non-blocking open fails with ENXIO until DuckDB opens the reading end; poll so that a query that
        # fails before reading never leaves this thread blocked.
        while not self.stop.is_set():
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
                time.sleep(0.002)
                continue
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
            return fd
        return None

    def run(self) -> None:
        fd = self._open()
        if fd is None:
            return
        try:
            for data in iter_decompressed(self.source, self.sha256.update):
                self.counter.feed(data)
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
            if self.counter.bytes == 0:
                self.error = ConvertError(f"{self.source}: file is empty (no header line)")
        except BrokenPipeError:
            self.reader_gone = True
        except ConvertError as exc:
            self.error = exc
        except OSError as exc:
            self.error = ConvertError(f"{self.source}: cannot read ({exc.strerror})")
        finally:
            os.close(fd)

    @property
    def data_rows(self) -> int:
        return max(self.counter.records - 1, 0)
