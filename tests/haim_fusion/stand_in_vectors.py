"""Seeded stand-in embeddings written into a lake in the storage contract's format (what `mimic_mm.embed`
writes), so the dbt models can be tested without any model: random float32 vectors per image, and per
radiology note the chunks HAIM's split_note_document makes with a whitespace tokenizer (one word piece per
word): a note of at most 510 words is one chunk, a longer one is split on its lines (a line that would
overflow closes the chunk before it, the last open chunk is dropped), a chunk over 510 words fails the note,
a NULL text fails it, and a split without chunks gives the no-chunk row."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

IMAGE_FEATURES, IMAGE_OUTPUTS, HIDDEN = 1024, 18, 768
LIMIT = 510  # word pieces per chunk, [CLS] and [SEP] aside
VECTOR = pa.list_(pa.float32())


def split_note(text: str) -> list[str]:
    """HAIM's split_note_document with one word piece per whitespace-separated word."""
    if len(text.split()) <= LIMIT:
        return [text]
    lines, chunks, start, running = text.split("\n"), [], 0, 0
    for i, line in enumerate(lines):
        pieces = len(line.split())
        if running + pieces > LIMIT:
            chunks.append(" ".join(lines[start:i]))
            start, running = i, pieces
        else:
            running += pieces
    return chunks


def note_rows(note_id: str, text: str | None, rng: np.random.Generator) -> list[dict]:
    """The contract's rows of one radiology note."""
    special = {"note_id": note_id, "note_kind": "radiology", "chunk_index": None, "embedding": None}
    if text is None:
        return [special | {"failed": True}]
    chunks = split_note(text)
    if any(len(c.split()) > LIMIT for c in chunks):
        return [special | {"failed": True}]
    if not chunks:
        return [special | {"failed": False}]
    return [
        {"note_id": note_id, "note_kind": "radiology", "chunk_index": k, "failed": False,
         "embedding": rng.standard_normal(HIDDEN).astype(np.float32).tolist()}
        for k in range(len(chunks))
    ]  # fmt: skip


def write(lake: Path, warehouse: Path, seed: int = 5, leave_out: tuple[str, ...] = ()) -> None:
    """Vectors for every image of marts.haim_cxr (but `leave_out`) and every radiology note of the release."""
    rng = np.random.default_rng(seed)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        images = [r[0] for r in con.sql("select dicom_id from marts.haim_cxr order by dicom_id").fetchall()]
        notes = con.sql(
            "select note_id, text from staging.stg_mimiciv_note__radiology order by note_id"
        ).fetchall()
    root = lake / "embeddings"
    (root / "image_vectors").mkdir(parents=True)
    (root / "note_vectors").mkdir(parents=True)
    kept = [d for d in images if d not in leave_out]
    vd = [rng.standard_normal(IMAGE_FEATURES).astype(np.float32) for _ in kept]
    vp = [rng.random(IMAGE_OUTPUTS).astype(np.float32) for _ in kept]
    table = pa.table({"dicom_id": kept, "vd": pa.array(vd, VECTOR), "vp": pa.array(vp, VECTOR)})
    pq.write_table(table, root / "image_vectors" / "part-00000.parquet")
    rows = [row for note_id, text in notes for row in note_rows(note_id, text, rng)]
    schema = pa.schema([("note_id", pa.string()), ("note_kind", pa.string()), ("chunk_index", pa.int32()),
                        ("failed", pa.bool_()), ("embedding", VECTOR)])  # fmt: skip
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), root / "note_vectors" / "part-00000.parquet")
    fallback = pa.table({"embedding": pa.array([rng.standard_normal(HIDDEN).astype(np.float32)], VECTOR)})
    pq.write_table(fallback, root / "note_fallback_vector.parquet")
    manifests = {
        "image_vectors": {"kind": "image_vectors", "model": "torchxrayvision.DenseNet121",
                          "weights": "stand-in", "weights_sha256": "0" * 64, "precision": "float32",
                          "decode": "opencv",
                          "rows": len(kept), "skipped": {}, "complete": True},
        "note_vectors": {"kind": "note_vectors", "model_dir": "stand-in", "model_sha256": "0" * 64,
                         "rows": len(rows), "notes": len(notes), "complete": True},
    }  # fmt: skip
    for folder, manifest in manifests.items():
        (root / folder / "_manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
