"""What the HAIM embeddings file looks like: its name per format, which mart it holds, its columns in HAIM's
order, its row order.

Two marts can fill it: marts.haim_fusion, HAIM's whole table (the tabular columns with the image and note
embeddings), once vectors were embedded into the lake and the models rebuilt; otherwise marts.haim_embeddings,
the tabular columns only. The column order comes from the mart itself (so a mart with more or fewer features
needs no change here): the mart's columns in their order, with the identifiers HAIM's file lacks moved to the
end.
"""

from __future__ import annotations

from pathlib import Path

from mimic_mm.export import relations
from mimic_mm.sql_quote import quote_ident

TABULAR = relations.HAIM_EMBEDDINGS
WHOLE = relations.HAIM_FUSION
MARTS = {"tabular": TABULAR, "whole": WHOLE}
FORMATS = ("csv", "parquet")
STEM = "haim_embeddings"
# HAIM's file has none of these; its scripts pick columns by name or prefix, so trailing extras are harmless.
TRAILING = ("subject_id", "hadm_id", "stay_id")
ORDER = (
    "haim_id",
    "img_id",
)  # (haim_id, img_id) is the mart's key: a total order, so bytes are deterministic
# A column only the whole table has: tells which mart a written file holds.
WHOLE_MARKER = "vd_0"
# The embeddings folders of the lake (the storage contract's layout) and the vectors each fills.
LAKE_VECTORS = {"image": "embeddings/image_vectors", "note": "embeddings/note_vectors"}


def file_name(fmt: str) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")
    return f"{STEM}.{fmt}"


def files_in(folder: Path) -> list[tuple[str, Path]]:
    """(format, path) of every embeddings file in `folder`."""
    return [(fmt, folder / file_name(fmt)) for fmt in FORMATS if (folder / file_name(fmt)).is_file()]


def mart_of_header(header: list[str]) -> str:
    """The mart a file with this header was written from."""
    return WHOLE if WHOLE_MARKER in header else TABULAR


def file_columns(mart_columns: list[str], mart: str = TABULAR) -> list[str]:
    """The file's columns: the mart's in order, with subject_id, hadm_id, stay_id moved to the end."""
    missing = [c for c in (*ORDER, *TRAILING) if c not in mart_columns]
    if missing:
        raise ValueError(f"{mart} lacks the columns {', '.join(missing)}: is the mart up to date?")
    return [c for c in mart_columns if c not in TRAILING] + list(TRAILING)


def ordered_query(columns: list[str], mart: str = TABULAR) -> str:
    """The mart in file order: columns as listed, rows by haim_id then img_id."""
    cols, order = ", ".join(map(quote_ident, columns)), ", ".join(map(quote_ident, ORDER))
    return f"SELECT {cols} FROM {mart} ORDER BY {order}"


def lake_vector_kinds(lake_root: Path) -> list[str]:
    """The kinds of vectors (image, note) the lake holds Parquet parts of."""
    return [kind for kind, folder in LAKE_VECTORS.items() if any((lake_root / folder).glob("part-*.parquet"))]
