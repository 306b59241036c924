"""HAIM's model columns (image and note embeddings) of the whole HAIM table, `marts.haim_fusion`, in HAIM's
order: the `seeds/haim_fusion_vectors.csv` seed the mart's column lists are generated from, and the names and
descriptions of those columns for the mart's documentation.

Each block is `<prefix>_0 .. <prefix>_<length-1>`, filled from one list column of
`int_haim_fusion_vectors` (list position k -> column `<prefix>_<k>`). The image blocks come right after the
demographics (`de_5`), the note blocks right after the time-series features (before `split`), as in HAIM's
file."""

from __future__ import annotations

import csv
import io
from typing import NamedTuple


class Block(NamedTuple):
    prefix: str
    length: int
    placement: str  # after_demographics | after_series
    data_type: str  # the mart's column type
    description: str  # with {k}: the position in the vector


BLOCKS = (
    Block("vd", 1024, "after_demographics", "float",
          "DenseNet121 dense feature {k} of the row's own image (image_vectors.vd[{k}])."),
    Block("vp", 18, "after_demographics", "float",
          "DenseNet121 prediction {k} of the row's own image (image_vectors.vp[{k}])."),
    Block("vmd", 1024, "after_demographics", "double",
          "Time-weighted mean of dense feature {k} over the stay's images up to the row's image (HAIM's "
          "weights (t - min t) / (max t - min t)); 0 when HAIM's mean is NaN or fails."),
    Block("vmp", 18, "after_demographics", "double",
          "Time-weighted mean of prediction {k} over the stay's images up to the row's image; 0 when HAIM's "
          "mean is NaN or fails."),
    Block("n_ecg", 768, "after_series", "double",
          "ECG note embedding {k}: 0 (public MIMIC-IV-Note has no ECG notes; HAIM gives zeros without "
          "notes)."),
    Block("n_ech", 768, "after_series", "double",
          "Echo note embedding {k}: 0 (public MIMIC-IV-Note has no echo notes; HAIM gives zeros without "
          "notes)."),
    Block("n_rad", 768, "after_series", "double",
          "Radiology note embedding {k}: mean of the chunk embeddings of the stay's radiology notes up to "
          "the row's image, weighted by each note's hours since admittime (HAIM's fallbacks: no notes or "
          "weights summing to 0 -> 0; a failed note -> the embedding of the empty string)."),
)  # fmt: skip
PLACEMENTS = ("after_demographics", "after_series")


def vectors_csv() -> str:
    """Seed rows: one per block, in HAIM's column order."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["block_position", "column_prefix", "vector_length", "placement", "data_type"])
    for position, block in enumerate(BLOCKS):
        w.writerow([position, block.prefix, block.length, block.placement, block.data_type])
    return buf.getvalue()


def block_columns(prefix: str) -> list[tuple[str, str]]:
    """(column name, description) of one block, in column order."""
    block = next(b for b in BLOCKS if b.prefix == prefix)
    return [(f"{block.prefix}_{k}", block.description.format(k=k)) for k in range(block.length)]


def column_names(placement: str | None = None) -> list[str]:
    """Every model column name (of one placement), in HAIM's order."""
    return [
        name
        for block in BLOCKS
        if placement in (None, block.placement)
        for name, _ in block_columns(block.prefix)
    ]
