"""An independent implementation of HAIM's image and note embedding aggregation, written from the SPEC's rules
and following HAIM's own procedure literally with numpy (not from the mart's SQL): per image row, bound the
sample's `cxr` and `imcxr` (imcxr filtered with a mask computed on the already filtered cxr, as HAIM does, and
cxr then filtered to charttime <= dischtime), weigh the images (t - min t) / max(...), np.average with HAIM's
try/except and NaN checks; the notes' chunks concatenated in HAIM's loop (its `idx == 0 and idx_sub == 0`
test included), np.average with the hours since admittime, HAIM's except branch giving the empty string's
embedding. Vectors are looked up in the stored embeddings (a model stands behind them in production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd


class NoteFailed(Exception):
    """Embedding a note failed in HAIM (a NULL text, a chunk over 512 word pieces)."""


def read_vectors(lake: Path) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], dict[str, Any], np.ndarray]:
    """(dicom_id -> (vd, vp), note_id -> list of chunk vectors or NoteFailed, fallback vector)."""
    root = lake / "embeddings"
    images = duckdb.sql(f"select * from read_parquet('{root}/image_vectors/part-*.parquet')").fetchall()
    image_vectors = {d: (np.array(vd, np.float32), np.array(vp, np.float32)) for d, vd, vp in images}
    chunks = duckdb.sql(
        "select note_id, chunk_index, failed, embedding "
        f"from read_parquet('{root}/note_vectors/part-*.parquet') order by note_id, chunk_index"
    ).fetchall()
    notes: dict[str, Any] = {}
    for note_id, chunk_index, failed, embedding in chunks:
        if failed:
            notes[note_id] = NoteFailed(note_id)
        else:
            notes.setdefault(note_id, [])
            if chunk_index is not None:
                notes[note_id].append(np.array(embedding, np.float32)[None, :])
    ((fallback,),) = duckdb.sql(
        f"select embedding from read_parquet('{root}/note_fallback_vector.parquet')"
    ).fetchall()
    return image_vectors, notes, np.array(fallback, np.float32)[None, :]


def image_means(
    cxr: pd.DataFrame, end_hr: float, dischtime: Any, vectors: dict
) -> tuple[np.ndarray, np.ndarray]:
    """vmd, vmp of one row: `cxr` is the sample's cxr frame in pickle order (dicom_id, charttime floored,
    deltacharttime), imcxr stands for the images in the same order."""
    imcxr = list(cxr["dicom_id"])
    keep = (cxr["deltacharttime"] <= end_hr) | cxr["deltacharttime"].isna()
    bounded = cxr[keep]
    # HAIM filters imcxr with the mask of the filtered cxr: the first len(bounded) images
    mask = (bounded["deltacharttime"] <= end_hr) | bounded["deltacharttime"].isna()
    imcxr = [imcxr[i] for i, x in enumerate(mask) if x]
    bounded = bounded[bounded["charttime"] <= dischtime]
    dense = [vectors[d][0] for d in imcxr]
    predictions = [vectors[d][1] for d in imcxr]
    t = np.asarray(bounded["deltacharttime"].values, dtype=float)
    adjusted = t - t.min()
    with np.errstate(invalid="ignore", divide="ignore"):
        weights = adjusted / adjusted.max()
    out = []
    for embeddings in (dense, predictions):
        try:
            mean = np.average(embeddings, axis=0, weights=weights)
            if np.isnan(np.sum(mean)):
                mean = np.zeros_like(embeddings[0])
        except Exception:
            mean = np.zeros_like(embeddings[0])
        out.append(np.asarray(mean, dtype=float))
    return out[0], out[1]


def _events_embedding(note_ids: list[str], weights: list[float], notes: dict) -> np.ndarray:
    """HAIM's get_biobert_embedding_from_events_list over stored chunk vectors."""
    expanded = []
    for idx, note_id in enumerate(note_ids):
        stored = notes[note_id]
        if isinstance(stored, NoteFailed):
            raise stored
        for idx_sub, embedding in enumerate(stored):
            if idx == 0 and idx_sub == 0:  # noqa: SIM108 - HAIM's own test, kept literally
                full = embedding
            else:  # `full` is unbound when the first note had no chunk: HAIM raises there too
                full = np.concatenate((full, embedding), axis=0)
            expanded.append(weights[idx])
    try:
        return np.average(full, axis=0, weights=np.array(expanded))
    except Exception:
        return np.zeros(768)


def note_embedding(radnotes: pd.DataFrame, end_hr: float, notes: dict, fallback: np.ndarray) -> np.ndarray:
    """n_rad of one row: `radnotes` holds the sample's radiology notes in pickle order (note_id,
    deltacharttime)."""
    bounded = radnotes[(radnotes["deltacharttime"] <= end_hr) | radnotes["deltacharttime"].isna()]
    try:
        return np.asarray(
            _events_embedding(list(bounded["note_id"]), list(bounded["deltacharttime"]), notes), dtype=float
        )
    except Exception:
        return np.asarray(np.average(fallback, axis=0, weights=np.array([1])), dtype=float)
