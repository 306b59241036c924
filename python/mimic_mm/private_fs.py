"""Owner-only folders: the data is credentialed, so folders the project creates are 0700 and files 0600."""

from __future__ import annotations

import contextlib
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def make_private_dirs(path: Path) -> None:
    """mkdir -p where every folder created gets DIR_MODE (Path.mkdir(parents=True) gives parents the umask's
    mode). Folders that already exist keep theirs."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another worker made it first
            d.mkdir(mode=DIR_MODE)
        d.chmod(DIR_MODE)  # mkdir's mode is masked by the umask
