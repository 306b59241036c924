"""`embed notes`: pooler_output of every chunk of every radiology note of the HAIM cohort into
LAKE/embeddings/note_vectors/, and the fallback vector (the empty string's) HAIM uses when a row's notes fail.

Notes are read in windows of `part_size`; each window's chunks are embedded together (sorted by length) and
written as one part holding every row of its notes, so a note is either wholly in the lake or not at all.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mimic_mm.atomic_fs import atomic_file
from mimic_mm.embed import source
from mimic_mm.embed.device import resolve_device
from mimic_mm.embed.fingerprint import folder_sha256
from mimic_mm.embed.note_chunks import NoteChunks, prepare_note
from mimic_mm.embed.note_model import NoteEmbedder
from mimic_mm.embed.store import VectorStore, float_lists
from mimic_mm.export.progress import Summary, progress_bar
from mimic_mm.export.warehouse import connect

log = logging.getLogger(__name__)

NOTE_KIND = "radiology"
FALLBACK_FILE = "note_fallback_vector.parquet"


@dataclass(frozen=True)
class NoteRun:
    db: Path
    lake: Path
    model_dir: Path
    device: str = "auto"
    precision: str = "float32"
    batch_size: int = 16
    part_size: int = 512  # notes per part
    all_notes: bool = False

    @property
    def folder(self) -> Path:
        return self.lake / "embeddings" / "note_vectors"

    @property
    def fallback(self) -> Path:
        return self.lake / "embeddings" / FALLBACK_FILE


def note_table(notes: list[NoteChunks], vectors: np.ndarray, hidden: int) -> pa.Table:
    """One row per chunk; one row with chunk_index and embedding NULL for a failed note or a note without
    chunks (failed true / false)."""
    note_ids: list[str] = []
    chunk_index: list[int | None] = []
    failed: list[bool] = []
    rows: list[np.ndarray | None] = []
    pos = 0
    for note in notes:
        if note.failed or not note.ids:
            note_ids.append(note.note_id)
            chunk_index.append(None)
            failed.append(note.failed is not None)
            rows.append(None)
            continue
        for k in range(len(note.ids)):
            note_ids.append(note.note_id)
            chunk_index.append(k)
            failed.append(False)
            rows.append(vectors[pos])
            pos += 1
    valid = np.array([r is not None for r in rows], dtype=bool)
    matrix = np.stack([r if r is not None else np.zeros(hidden, np.float32) for r in rows])
    return pa.table(
        {
            "note_id": pa.array(note_ids, pa.string()),
            "note_kind": pa.array([NOTE_KIND] * len(note_ids), pa.string()),
            "chunk_index": pa.array(chunk_index, pa.int32()),
            "failed": pa.array(failed, pa.bool_()),
            "embedding": float_lists(matrix, valid),
        }
    )


def _windows(run: NoteRun, done: set[str]) -> Iterator[list[tuple[str, Any]]]:
    """(note_id, text) of notes not yet embedded, `part_size` at a time, streamed from the warehouse."""
    sql = (source.ALL_NOTES if run.all_notes else source.NOTES) + source.NOTE_ORDER
    con = connect(run.db)
    window: list[tuple[str, Any]] = []
    try:
        for chunk in source.fetch(con, sql, rows=run.part_size):
            for note_id, text in chunk:
                if str(note_id) not in done:
                    window.append((str(note_id), text))
                if len(window) >= run.part_size:
                    yield window
                    window = []
        if window:
            yield window
    finally:
        con.close()


def _count_notes(run: NoteRun, done: set[str]) -> tuple[int, int]:
    """(notes wanted, notes still to embed), from the ids alone."""
    sql = "select note_id from (" + (source.ALL_NOTES if run.all_notes else source.NOTES) + ")"
    con = connect(run.db)
    wanted = todo = 0
    try:
        for chunk in source.fetch(con, sql, rows=8192):
            wanted += len(chunk)
            todo += sum(1 for (note_id,) in chunk if str(note_id) not in done)
    finally:
        con.close()
    return wanted, todo


def write_fallback(path: Path, embedder: NoteEmbedder, sha: str) -> None:
    """The empty string's pooler_output, one row; the model hash in the file's metadata says whose it is."""
    vector = embedder.embed([embedder.encode("")], 1)
    table = pa.table({"embedding": float_lists(vector)}).replace_schema_metadata({"model_sha256": sha})
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp)


def fallback_sha(path: Path) -> str | None:
    if not path.is_file():
        return None
    meta = pq.read_schema(path).metadata or {}
    value = meta.get(b"model_sha256")
    return value.decode() if value else None


def run_notes(run: NoteRun) -> Summary:
    started = time.perf_counter()
    summary = Summary("embed notes")
    connect(run.db).close()  # a missing or locked warehouse stops us before the lake is touched
    sha = folder_sha256(run.model_dir)
    fingerprint = {"kind": "note_vectors", "model_sha256": sha, "precision": run.precision}
    info = {"model_dir": str(run.model_dir)}
    with VectorStore(run.folder, "note_id", fingerprint, info, ids_key="notes") as store:
        done_notes = set(store.done)
        wanted, todo = _count_notes(run, done_notes)
        summary.add("notes wanted", wanted)
        summary.add("already embedded", len(done_notes))
        if store.replaced:
            summary.add("old vectors replaced", "yes (another model or precision)")
        fallback_ok = fallback_sha(run.fallback) == sha
        embedded = failed = chunks = 0
        device = "-"
        if todo or not fallback_ok:
            dev = resolve_device(run.device)
            device = str(dev)
            log.info("loading the note model %s on %s", run.model_dir, dev)
            embedder = NoteEmbedder(run.model_dir, dev, run.precision)
            if not fallback_ok:
                write_fallback(run.fallback, embedder, sha)
            bar = progress_bar(total=todo, desc="notes", unit="note")
            try:
                for window in _windows(run, done_notes):
                    notes = [
                        prepare_note(note_id, text, embedder.count, embedder.encode, embedder.max_positions)
                        for note_id, text in window
                    ]
                    ids = [x for n in notes if n.failed is None for x in n.ids]
                    vectors = embedder.embed(ids, run.batch_size)
                    store.extra["failed_notes"] = int(store.extra.get("failed_notes", 0)) + sum(
                        n.failed is not None for n in notes
                    )
                    store.write_part(note_table(notes, vectors, embedder.hidden))
                    embedded += len(notes)
                    failed += sum(n.failed is not None for n in notes)
                    chunks += len(ids)
                    bar.update(len(notes))
            finally:
                bar.close()
        store.write_manifest(complete=True)
        elapsed = time.perf_counter() - started
        if not todo:
            summary.add("status", "up to date: nothing to do")
        summary.add("embedded now", embedded)
        summary.add("chunks embedded now", chunks)
        summary.add("failed notes now (HAIM's fallback applies)", failed)
        summary.add("rows in lake", store.rows)
        summary.add("notes in lake", len(store.done))
        summary.add("device / precision", f"{device} / {run.precision}")
        summary.add("model sha256", sha[:16] + "…")
        summary.add("seconds", f"{elapsed:.1f}")
        summary.add("folder", str(store.folder))
    return summary
