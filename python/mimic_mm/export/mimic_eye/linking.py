"""Placing images, reports and transcript files: hard link, copy or symlink."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

LINK_MODES = ("auto", "hardlink", "copy", "symlink")
COPY_BUFFER = 1 << 20


class Placer:
    """Puts lake files into the export. `auto` hard-links and falls back to copying when the lake and the
    output sit on different file systems (or links are refused); the outcome of each file is counted."""

    def __init__(self, mode: str) -> None:
        if mode not in LINK_MODES:
            raise ValueError(f"unknown link mode {mode!r}; choose one of {', '.join(LINK_MODES)}")
        self.mode = mode
        self._can_link = mode in ("auto", "hardlink")
        self.counts = {"linked": 0, "copied": 0, "symlinked": 0}
        self.bytes = 0

    def place(self, src: Path, dst: Path) -> int:
        """Place one file; returns its size. Raises FileNotFoundError when the source is missing."""
        size = src.stat().st_size
        if self.mode == "symlink":
            os.symlink(src.resolve(), dst)
            self.counts["symlinked"] += 1
            return size
        if self._can_link:
            try:
                os.link(src, dst)
                self.counts["linked"] += 1
                self.bytes += size
                return size
            except OSError as exc:
                if self.mode == "hardlink" or exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK):
                    raise
                self._can_link = False  # another file system: stop trying for the rest of the run
        # Created owner-only, not chmod-ed after the copy: no moment where the umask's mode exposes it.
        fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(src, "rb") as fin, os.fdopen(fd, "wb") as fout:
            shutil.copyfileobj(fin, fout, COPY_BUFFER)
        self.counts["copied"] += 1
        self.bytes += size
        return size
