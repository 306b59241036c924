"""Session fixtures of the embed tests: a small synthetic release with the HAIM marts built (the HAIM
embeddings tests' builder, fewer subjects), seeded stand-in models, and one full run of each embed command
(subprocesses, as users run them)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: shared_dirs
# haim_mart_release: the release builder these tests reuse
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "haim_embeddings"))

import haim_mart_release
import stand_ins

from shared_dirs import shared_dir

TESTS = Path(__file__).resolve().parents[1]
SUBJECTS = 40  # the generator's minimum: every planted case, few random subjects
PROJECT = TESTS.parent


@dataclass(frozen=True)
class Models:
    densenet: Path  # state_dict, seed 1
    other_densenet: Path  # state_dict, seed 2
    bert: Path  # Hugging Face folder


def embed_env(home: Path) -> dict[str, str]:
    """The environment of an embed subprocess: this checkout's code, no network, and a HOME of its own so a
    test sees whether anything was written to ~/.torchxrayvision or the Hugging Face cache."""
    env = dict(os.environ, PYTHONPATH=str(PROJECT / "python"), HOME=str(home), HF_HUB_OFFLINE="1")
    env.pop("HF_HOME", None)
    env.pop("XDG_CACHE_HOME", None)
    return env


def embed(args: list[str], home: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "mimic_mm.embed", *args],
        cwd=PROJECT,
        env=embed_env(home),
        capture_output=True,
        text=True,
        check=False,
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"embed {args[0]} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr[-4000:]}"
        )
    return proc


@pytest.fixture(scope="session")
def release(tmp_path_factory: pytest.TempPathFactory) -> haim_mart_release.MartRelease:
    with shared_dir(tmp_path_factory, "embed_release") as (folder, built):
        if built:
            return haim_mart_release.MartRelease.at(folder)
        return haim_mart_release.build(folder, subjects=SUBJECTS, strict_variant=False)


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> Models:
    with shared_dir(tmp_path_factory, "embed_models") as (folder, built):
        m = Models(folder / "densenet-1.pt", folder / "densenet-2.pt", folder / "bert")
        if not built:
            stand_ins.densenet_state_dict(m.densenet, seed=1)
            stand_ins.densenet_state_dict(m.other_densenet, seed=2)
            stand_ins.bert_folder(m.bert, seed=3)
        return m


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("embed_home")


@dataclass(frozen=True)
class ImageRun:
    lake: Path
    stdout: str


@pytest.fixture(scope="session")
def image_run(
    tmp_path_factory: pytest.TempPathFactory,
    release: haim_mart_release.MartRelease,
    models: Models,
    home: Path,
) -> ImageRun:
    """Every HAIM cohort image of the release embedded once (batches of 8, one decode worker, parts of 16)."""
    lake = tmp_path_factory.mktemp("embed_images") / "lake"
    proc = embed(
        ["images", "--db", str(release.warehouse), "--lake", str(lake),
         "--weights-file", str(models.densenet), "--batch-size", "8", "--workers", "1",
         "--part-size", "16", "--device", "cpu"],
        home,
    )  # fmt: skip
    return ImageRun(lake, proc.stdout)
