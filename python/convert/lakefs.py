"""Owner-only files and directories in the lake, written under a temporary name and renamed when complete."""

from __future__ import annotations

import os
from pathlib import Path

from private_fs import make_private_dirs

TMP_MARK = ".tmp-"


def ensure_dir(path: Path) -> None:
    make_private_dirs(path)


def temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")


def publish(tmp: Path, final: Path) -> None:
    os.chmod(tmp, 0o600)
    os.replace(tmp, final)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        publish(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_leftovers(folder: Path) -> int:
    """Delete temporary files a killed earlier run left behind; returns how many."""
    n = 0
    if folder.is_dir():
        for p in folder.glob(f".*{TMP_MARK}*"):
            p.unlink(missing_ok=True)
            n += 1
    return n
