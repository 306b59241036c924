"""Housekeeping users notice: the README points only at files that exist, and flags are spelled alike."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
# Repository paths the README mentions (build/ outputs, URLs and user paths are not repository files).
REPO_PATH = re.compile(r"(?<![\w/.:-])((?:[\w.-]+/)+[\w.-]+\.(?:md|py|yml|sql|tsv|csv|toml))\b")


def test_readme_points_only_at_files_in_the_repository() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    # Paths under a folder of the repository (others are export layouts, build outputs or user paths).
    folders = {p.name for p in PROJECT.iterdir() if p.is_dir() and p.name not in ("build", ".venv")}
    mentioned = {m for m in REPO_PATH.findall(readme) if m.split("/", 1)[0] in folders}
    assert "docs/architecture.md" in mentioned and "python/mimic_mm/export/relations.py" in mentioned
    missing = sorted(m for m in mentioned if not (PROJECT / m).exists())
    assert not missing, f"README mentions files that are not in the repository: {missing}"


@pytest.mark.parametrize("command", [["convert"], ["export", "haim"], ["export", "mimic-eye"]])
def test_memory_limit_is_spelled_alike(command: list[str]) -> None:
    out = subprocess.run(
        [sys.executable, "-m", *command, "--help"], cwd=PROJECT, capture_output=True, text=True, check=True
    ).stdout
    assert "--memory-limit " in out or "--memory-limit\n" in out


def test_convert_accepts_sizes_and_the_old_flag() -> None:
    from mimic_mm.convert.__main__ import parse_args

    assert parse_args(["raw", "--lake", "l", "--memory-limit", "512MB"]).memory_limit_gb == 0.5
    assert parse_args(["raw", "--lake", "l", "--memory-limit", "3GB"]).memory_limit_gb == 3.0
    assert parse_args(["raw", "--lake", "l", "--memory-limit-gb", "2"]).memory_limit_gb == 2.0
    with pytest.raises(SystemExit):
        parse_args(["raw", "--lake", "l", "--memory-limit", "lots"])
