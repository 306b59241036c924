"""A lock per output folder (write-then-rename itself is `atomic_fs`)."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from pathlib import Path

from mimic_mm.private_fs import FILE_MODE, make_private_dirs

LOCK_NAME = ".export.lock"


class ExportLockedError(RuntimeError):
    """Another export is writing into the same folder."""


class ExportLock:
    """An exclusive `fcntl` lock on `out_dir/.export.lock`, held for the whole export: a second export into
    the
    same folder fails at once with a clear message instead of interleaving writes.

    With `part` (for example a shard `2-of-4`), the folder lock is taken shared and the part's own lock file
    exclusively, so disjoint shards may write into one folder side by side while a whole-folder export (or the
    same shard twice) is refused. The lock goes away with the process, so a crash never leaves it stuck. The
    lock file stays empty (no pid), so a re-run leaves the folder byte-identical.
    """

    def __init__(self, out_dir: str | os.PathLike[str], part: str | None = None):
        self.out_dir = Path(out_dir)
        self.part = part
        self._fds: list[int] = []

    def _take(self, name: str, mode: int, what: str) -> None:
        path = self.out_dir / name
        fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            fcntl.flock(fd, mode | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise ExportLockedError(
                    f"another export is writing {what} {self.out_dir} (lock file {path}); wait for it to "
                    "finish or choose another --out"
                ) from None
            raise
        self._fds.append(fd)

    def __enter__(self) -> ExportLock:
        make_private_dirs(self.out_dir)
        try:
            if self.part is None:
                self._take(LOCK_NAME, fcntl.LOCK_EX, "into")
            else:
                self._take(LOCK_NAME, fcntl.LOCK_SH, "the whole of")
                self._take(f"{LOCK_NAME}.{self.part}", fcntl.LOCK_EX, f"part {self.part} of")
        except BaseException:
            self.release()
            raise
        return self

    def release(self) -> None:
        while self._fds:
            fd = self._fds.pop()
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __exit__(self, *exc: object) -> None:
        self.release()
