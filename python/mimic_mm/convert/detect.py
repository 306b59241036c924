"""Find release roots under the user's paths and recognise each release by its content.

A directory is a release root when it holds a marker file of the catalogue (`hosp/admissions.csv.gz`,
`master_sheet.csv`, ...), as `.csv` or `.csv.gz`. Folder names are never used, except to break a tie between
releases whose headers are identical (MIMIC-IV 2.2 and 3.1): then a path component equal to the version wins,
otherwise the newest.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from mimic_mm.convert.errors import ConvertError
from mimic_mm.convert.rawfile import read_header
from mimic_mm.identifiers import inside
from mimic_mm.releases import ReleaseTable, release_tables, releases
from mimic_mm.releases.catalog import _lake_family, _release_sort_key

log = logging.getLogger(__name__)


@dataclass
class FoundRelease:
    release: str  # catalogue name, e.g. "mimic-iv-2.2"
    root: Path
    files: dict[str, Path] = field(default_factory=dict)  # catalogue table -> raw file (single-file tables)
    problems: dict[str, str] = field(default_factory=dict)  # catalogue table -> error message
    missing: set[str] = field(default_factory=set)  # catalogue tables whose raw file is not there
    note: str = ""

    @property
    def family(self) -> str:
        return _lake_family(self.release)

    def tables(self) -> dict[str, ReleaseTable]:
        return release_tables(self.release)


def locate(root: Path, relpath: str) -> Path | None:
    """The file for a catalogue path, accepting both `.csv` and `.csv.gz`."""
    base = relpath.removesuffix(".gz")
    for candidate in (base + ".gz", base):
        p = root / candidate
        if p.is_file():
            return p
    return None


def markers() -> dict[str, list[tuple[str, str]]]:
    """family -> [(release, marker path)]."""
    out: dict[str, list[tuple[str, str]]] = {}
    for r in releases():
        for rt in release_tables(r).values():
            if rt.marker:
                out.setdefault(_lake_family(r), []).append((r, rt.path))
    return out


def find_roots(paths: list[Path]) -> dict[str, list[tuple[Path, list[str]]]]:
    """family -> [(root, candidate releases whose marker is there)], searching each path recursively."""
    marks = markers()
    found: dict[str, list[tuple[Path, list[str]]]] = {}
    for top in paths:
        if not top.exists():
            raise ConvertError(f"{top}: no such file or directory")
        for dirpath, dirnames, _ in os.walk(top):
            here = Path(dirpath)
            matched = False
            for family, entries in marks.items():
                candidates = [r for r, marker in entries if locate(here, marker)]
                if candidates:
                    found.setdefault(family, []).append((here.resolve(), candidates))
                    matched = True
            # A release root holds no other release; its image trees are huge, so do not descend.
            dirnames[:] = [] if matched else sorted(d for d in dirnames if not d.startswith("."))
    return found


def _headers_match(actual: list[str], expected: list[str]) -> bool:
    return [c.strip().lower() for c in actual] == [c.lower() for c in expected]


def header_problem(path: Path, rt: ReleaseTable, actual: list[str]) -> str:
    """A message naming missing and unexpected columns of a header that does not match the catalogue."""
    want = [c.lower() for c in rt.header]
    got = [c.strip().lower() for c in actual]
    missing = [c for c in rt.header if c.lower() not in got]
    unexpected = [c for c in actual if c.strip().lower() not in want]
    parts = []
    if missing:
        parts.append(f"missing columns {missing}")
    if unexpected:
        parts.append(f"unexpected columns {unexpected}")
    if not parts:
        parts.append("columns in a different order than the reference")
    return f"{path}: header does not match {rt.release} {rt.table}: " + "; ".join(parts)


def _version_hint(root: Path, release: str) -> bool:
    version = release[len(_lake_family(release)) + 1 :]
    return version in root.parts


def identify(root: Path, candidates: list[str]) -> FoundRelease:
    """Pick the release among `candidates` whose table headers match the files under `root`."""
    headers: dict[Path, list[str] | str] = {}

    def header(path: Path) -> list[str] | str:
        if path not in headers:
            try:
                headers[path] = read_header(path)
            except ConvertError as exc:
                headers[path] = str(exc)
        return headers[path]

    scored = []
    for release in candidates:
        found = FoundRelease(release, root)
        matches = 0
        for name, rt in release_tables(release).items():
            if "{" in rt.path or not rt.columns:
                continue  # per-case files are gathered later
            path = locate(root, rt.path)
            if path is None:
                found.problems[name] = f"{root}: missing required file {rt.path} of {release}"
                found.missing.add(name)
                continue
            if not inside(root, path):
                found.problems[name] = (
                    f"{path}: resolves outside the release root {root} (a symlink?): refused, copy the file"
                    " into the release instead"
                )
                continue
            h = header(path)
            if isinstance(h, str):
                found.problems[name] = h
            elif _headers_match(h, rt.header):
                found.files[name] = path
                matches += 1
            else:
                found.problems[name] = header_problem(path, rt, h)
        scored.append(
            ((matches, -len(found.problems), _version_hint(root, release), _release_sort_key(release)), found)
        )
    scored.sort(key=lambda s: s[0], reverse=True)
    best = scored[0][1]
    ties = [f.release for s, f in scored[1:] if s[:2] == scored[0][0][:2]]
    if ties:
        best.note = f"headers also match {', '.join(ties)}"
    return best


def detect(paths: list[Path]) -> dict[str, FoundRelease]:
    """family -> the release found for it. Several roots of one family is an error (which one to use?)."""
    out: dict[str, FoundRelease] = {}
    for family, roots in find_roots(paths).items():
        if len(roots) > 1:
            listed = ", ".join(str(r) for r, _ in roots)
            raise ConvertError(f"several {family} releases found ({listed}): pass only one of them")
        root, candidates = roots[0]
        found = identify(root, candidates)
        log.info("found %s at %s%s", found.release, root, f" ({found.note})" if found.note else "")
        out[family] = found
    return out
