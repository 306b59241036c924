"""Which lake table is built from which raw files, by which builder."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mimic_mm.convert.detect import FoundRelease
from mimic_mm.convert.schema import Schema, all_lake_tables, lake_key, lake_schema
from mimic_mm.releases import ReleaseTable

# Lake tables built from files that are not catalogue CSV tables: (module, table) -> (family, builder).
SPECIAL_SOURCES = {
    ("reflacx", "transcription"): ("reflacx", "transcription"),
    ("eye_gaze", "transcripts"): ("egd-cxr", "transcripts"),
    ("eye_gaze", "transcript_phrases"): ("egd-cxr", "transcripts"),
    ("eye_gaze", "transcript_files"): ("egd-cxr", "inventory"),
    ("cxr_jpg", "image_files"): ("mimic-cxr-jpg", "inventory"),
    ("cxr", "report_files"): ("mimic-cxr", "inventory"),
}


@dataclass
class Part:
    """One raw release table feeding a lake table; `path` is None for per-case files (`{id}` paths)."""

    rt: ReleaseTable
    path: Path | None
    consts: dict[str, str] = field(default_factory=dict)  # extra lake column -> SQL


@dataclass
class Task:
    module: str
    table: str
    builder: str = "absent"  # csv | cases | transcription | transcripts | inventory | absent
    found: FoundRelease | None = None
    parts: list[Part] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # raw files the release lacks (catalogue paths)
    # Identifiers whose rows were skipped: not of their published form, or leading outside the release root.
    rejected: set[str] = field(default_factory=set)
    note: str = ""

    @property
    def key(self) -> str:
        return f"{self.module}/{self.table}"

    @property
    def schema(self) -> Schema:
        return lake_schema(self.module, self.table)

    @property
    def release(self) -> str | None:
        return self.found.release if self.found and self.builder != "absent" else None

    def source_bytes(self) -> int:
        return sum(p.path.stat().st_size for p in self.parts if p.path is not None)


def _phase_consts(rt: ReleaseTable) -> dict[str, str]:
    m = re.search(r"_phase_(\d+)$", rt.table)
    return {"phase": m.group(1)} if m else {}


def make_plan(found: dict[str, FoundRelease]) -> list[Task]:
    tasks = {key: Task(*key) for key in all_lake_tables()}
    for fr in found.values():
        for name, rt in fr.tables().items():
            if not rt.columns:
                continue
            task = tasks[lake_key(rt)]
            task.found = fr
            if name in fr.problems:
                task.errors.append(fr.problems[name])
                if name in fr.missing:
                    task.missing.append(rt.path)
            if "{" in rt.path:
                task.builder = "cases"
                task.parts.append(Part(rt, None))
            else:
                task.builder = "csv"
                task.parts.append(Part(rt, fr.files.get(name), _phase_consts(rt)))
    for key, (family, builder) in SPECIAL_SOURCES.items():
        if family in found:
            tasks[key].found, tasks[key].builder = found[family], builder
    for task in tasks.values():
        if task.builder == "cases":
            # Per-case files are listed from the phase metadata: its problems block them too.
            assert task.found is not None
            task.errors += [
                f"{task.key}: depends on {p}" for t, p in task.found.problems.items() if "metadata" in t
            ]
        if task.builder == "absent":
            task.note = _absent_note(task, found)
    return sorted(tasks.values(), key=lambda t: t.key)


def _absent_note(task: Task, found: dict[str, FoundRelease]) -> str:
    families = {
        fr.family for fr in found.values() if task.module in {rt.module for rt in fr.tables().values()}
    }
    if families:
        names = ", ".join(sorted(fr.release for fr in found.values() if fr.family in families))
        return f"not in {names}: written empty"
    return f"module {task.module} not found: written empty"
