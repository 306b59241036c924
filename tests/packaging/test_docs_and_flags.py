"""Housekeeping users notice: the README and docs/ point only at files and headings that exist, the README
stays short and leads to every doc, and flags are spelled alike."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
# Repository paths the README mentions (build/ outputs, URLs and user paths are not repository files).
REPO_PATH = re.compile(r"(?<![\w/.:-])((?:[\w.-]+/)+[\w.-]+\.(?:md|py|yml|sql|tsv|csv|toml))\b")


DOCS = [PROJECT / "README.md", *sorted((PROJECT / "docs").glob("*.md"))]
MD_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", ""))
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {_slug(line.lstrip("#")) for line in lines if line.startswith("#")}


@pytest.mark.parametrize("doc", DOCS, ids=[d.relative_to(PROJECT).as_posix() for d in DOCS])
def test_docs_point_only_at_files_in_the_repository(doc: Path) -> None:
    text = doc.read_text(encoding="utf-8")
    # Paths under a folder of the repository (others are export layouts, build outputs or user paths).
    folders = {p.name for p in PROJECT.iterdir() if p.is_dir() and p.name not in ("build", ".venv")}
    mentioned = {m for m in REPO_PATH.findall(text) if m.split("/", 1)[0] in folders}
    missing = sorted(m for m in mentioned if not (PROJECT / m).exists())
    assert not missing, f"{doc.name} mentions files that are not in the repository: {missing}"
    broken = []
    for target in MD_LINK.findall(text):
        if re.match(r"^[a-z]+://", target):
            continue
        file, _, anchor = target.partition("#")
        dest = (doc.parent / file).resolve() if file else doc
        if not dest.exists() or (anchor and dest.suffix == ".md" and anchor not in _anchors(dest)):
            broken.append(target)
    assert not broken, f"{doc.name} links to files or headings that do not exist: {broken}"
    # Users have only the repository: no pointer to the project's private design notes.
    assert "SPEC.md" not in text and "../shared" not in text


def test_readme_is_short_and_leads_to_every_doc() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    linked = set(MD_LINK.findall(readme))
    assert {f"docs/{d.name}" for d in DOCS[1:]} <= linked


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
