"""Write-then-rename for files and folders, owner-only permissions, and a lock per output folder."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from private_fs import DIR_MODE, FILE_MODE, make_private_dirs

TEMP_MARK = ".tmp-"  # temporary names are `.{name}.tmp-{pid}-{random}`
LOCK_NAME = ".export.lock"


def temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}{TEMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")


def is_temp(name: str) -> bool:
    return name.startswith(".") and TEMP_MARK in name


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # some file systems refuse fsync on directories
        fsync_path(path)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success fsync it, make it owner-only, rename it over
    `path`.
    On error the temporary file is removed and `path` is left as it was."""
    final = Path(path)
    make_private_dirs(final.parent)
    tmp = temp_name(final)
    # created owner-only before the caller writes a byte: opening it later under a 022 umask would leave the
    # partial file world-readable until the rename
    try:  # created inside the try: a Ctrl-C right after the creation still removes it
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        yield tmp
        os.chmod(tmp, FILE_MODE)
        if fsync:
            fsync_path(tmp)
        os.replace(tmp, final)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if fsync:
        _fsync_dir(final.parent)


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike[str], fsync: bool = True) -> Iterator[Path]:
    """Yield a new empty temporary folder beside `path`; on success fsync its files and rename it to `path`
    (an existing `path` is replaced: renamed away first, removed after). On error the temporary folder is
    removed and `path` is left as it was."""
    final = Path(path)
    make_private_dirs(final.parent)
    tmp = temp_name(final)
    old: Path | None = None
    try:  # created inside the try: a Ctrl-C right after the mkdir still removes it
        tmp.mkdir(mode=DIR_MODE)
        yield tmp
        if fsync:
            for root, _dirs, files in os.walk(tmp):
                for name in files:
                    p = Path(root, name)
                    if not p.is_symlink():
                        fsync_path(p)
                _fsync_dir(Path(root))
        if final.exists():
            old = temp_name(final)
            os.replace(final, old)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not final.exists():
            os.replace(old, final)  # put the previous version back
            old = None
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    if fsync:
        _fsync_dir(final.parent)


def remove_stale_temps(folder: Path, recursive: bool = True) -> int:
    """Delete temporary files/folders an interrupted run left behind; call it while holding the ExportLock.
    Returns how many were removed."""
    removed = 0
    if not folder.is_dir():
        return 0
    for root, dirs, files in os.walk(folder):
        for name in [*files, *dirs]:
            if is_temp(name):
                p = Path(root, name)
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
                removed += 1
        dirs[:] = [d for d in dirs if not is_temp(d)] if recursive else []
    return removed


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
