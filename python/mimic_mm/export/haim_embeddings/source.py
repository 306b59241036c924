"""Which mart the HAIM embeddings file is written from: HAIM's whole table (marts.haim_fusion) when vectors
were embedded and the models rebuilt, the tabular table (marts.haim_embeddings) otherwise; and a clear error
when the lake holds vectors the warehouse was built without (the embeddings staging views read no rows when
the lake had none at `dbt build`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from mimic_mm.export import relations
from mimic_mm.export.haim_embeddings.layout import TABULAR, WHOLE, lake_vector_kinds
from mimic_mm.export.warehouse import relation_exists

TABLES = ("auto", "whole", "tabular")
REBUILD = "dbt build --select +haim_fusion"


@dataclass(frozen=True)
class Source:
    mart: str
    what: str  # for the summary: which table and why


def warehouse_vector_kinds(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The kinds of vectors (image, note) the warehouse's embeddings staging reads rows of."""
    kinds = []
    for kind, relation in relations.EMBEDDING_VECTORS.items():
        if not relation_exists(con, relation):
            continue
        try:
            found = con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {relation} LIMIT 1)").fetchone()
        except duckdb.Error as exc:  # the view reads files that are gone
            raise RuntimeError(
                f"{relation} cannot read the lake's {kind} vectors ({str(exc).splitlines()[0]}): "
                f"embed again or run `{REBUILD}`"
            ) from exc
        if found and found[0]:
            kinds.append(kind)
    return kinds


def lake_root(con: duckdb.DuckDBPyConnection) -> Path | None:
    if not relation_exists(con, relations.LAKE_LINEAGE):
        return None
    row = con.execute(f"SELECT lake_root FROM {relations.LAKE_LINEAGE}").fetchone()
    return Path(row[0]) if row and row[0] else None


def choose(con: duckdb.DuckDBPyConnection, table: str = "auto") -> Source:
    """The mart to export for --table `table` (auto | whole | tabular)."""
    if table not in TABLES:
        raise ValueError(f"--table must be one of {', '.join(TABLES)}, not {table!r}")
    if table == "tabular":
        return Source(TABULAR, f"tabular ({TABULAR}, as asked)")
    has_whole = relation_exists(con, WHOLE)
    in_warehouse = warehouse_vector_kinds(con) if has_whole else []
    root = lake_root(con)
    in_lake = lake_vector_kinds(root) if root is not None else []
    stale = [kind for kind in in_lake if kind not in in_warehouse]
    if stale:
        raise RuntimeError(
            f"the lake {root} holds {' and '.join(stale)} vectors that the warehouse was built without: "
            f"run `{REBUILD}` first"
        )
    if table == "whole":
        if not has_whole:
            raise RuntimeError(f"{WHOLE} is missing: run `{REBUILD}`")
        vectors = " and ".join(in_warehouse) or "none yet, model columns empty"
        return Source(WHOLE, f"whole ({WHOLE}; vectors: {vectors})")
    if in_warehouse:
        missing = [k for k in relations.EMBEDDING_VECTORS if k not in in_warehouse]
        note = f"; no {' or '.join(missing)} vectors: their columns are empty" if missing else ""
        return Source(WHOLE, f"whole ({WHOLE}; vectors: {' and '.join(in_warehouse)}{note})")
    return Source(
        TABULAR,
        f"tabular ({TABULAR}; no vectors embedded: `python -m mimic_mm.embed images|notes`, "
        f"then `{REBUILD}`)",
    )
