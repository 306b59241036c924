"""Session folders the pytest-xdist workers of one run share (a synthetic release built once, then reused).

A plain helper module: test folders put `tests/` on sys.path and `from shared_dirs import shared_dir`."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def shared_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder shared by the xdist workers of this run, built by whichever gets the lock first: yields
    (folder, already_built). An xdist_group mark keeps the tests of one release on one worker; the lock makes
    sure the release is built once even when the scheduler splits them."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder, done = root / name, root / f"{name}.done"
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = done.exists()
        folder.mkdir(exist_ok=True)
        yield folder, built
        done.touch()
