"""Owner-only files and directories in the lake, written under a temporary name and renamed when complete."""

from __future__ import annotations

import os
from pathlib import Path

TMP_MARK = ".tmp-"


def ensure_dir(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)


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
