"""Session fixtures: one synthetic release (synth → convert → dbt) and one HAIM export of it."""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import haim_pipeline
import pytest

GROUP = "haim_release"  # tests sharing the release run on one xdist worker (built once)


@contextlib.contextmanager
def shared_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder shared by the xdist workers of this run, built by whichever gets the lock first: yields
    (folder, already_built). The xdist_group mark already keeps these tests on one worker; the lock makes
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


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> haim_pipeline.Release:
    with shared_dir(tmp_path_factory, "haim_release") as (folder, built):
        if built:
            return haim_pipeline.Release(folder / "raw", folder / "lake", folder / "warehouse.duckdb")
        return haim_pipeline.build_release(folder)


def haim_args(db: Path, out: Path, *argv: str) -> argparse.Namespace:
    """The namespace `python -m export haim --db DB --out OUT ARGV…` gives."""
    from export.cli import build_parser

    parser, _ = build_parser()
    return parser.parse_args(["haim", "--db", str(db), "--out", str(out), *argv])


def run_haim(db: Path, out: Path, *argv: str) -> int:
    from export.haim import run

    return run(haim_args(db, out, *argv))


@pytest.fixture(scope="session")
def exported(release: haim_pipeline.Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full export with two workers and small chunks, so the process pool and task split are exercised."""
    with shared_dir(tmp_path_factory, "haim_export") as (folder, built):
        out = folder / "haim"
        if not built:
            assert run_haim(release.db, out, "--workers", "2", "--chunk-subjects", "7") == 0
        return out
