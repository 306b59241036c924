"""Write-then-rename for files and folders: a temporary name beside the target, renamed over it when complete,
so readers never see a partial file. Files are owner-only (private_fs) unless asked otherwise."""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from mimic_mm.private_fs import DIR_MODE, FILE_MODE, make_private_dirs

TEMP_MARK = ".tmp-"  # temporary names are `.{name}.tmp-{pid}-{random}`


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


def publish(tmp: Path, final: Path) -> None:
    """Make the complete temporary file `tmp` owner-only and rename it over `final`."""
    os.chmod(tmp, FILE_MODE)
    os.replace(tmp, final)


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike[str], fsync: bool = True, private: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success fsync it, make it owner-only, rename it over
    `path`.
    On error the temporary file is removed and `path` is left as it was. With `private=False` the file and any
    missing parent folders get the umask's modes instead of owner-only ones."""
    final = Path(path)
    if private:
        make_private_dirs(final.parent)
    else:
        final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(final)
    # created owner-only before the caller writes a byte: opening it later under a 022 umask would leave the
    # partial file world-readable until the rename
    try:  # created inside the try: a Ctrl-C right after the creation still removes it
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE if private else 0o666))
        yield tmp
        if private:
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
    """Delete temporary files/folders an interrupted run left behind (call it while no other run writes into
    `folder`). Returns how many were removed."""
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
