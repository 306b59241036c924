"""SQL for the HAIM streams: one ordered query per relation, restricted to a list of subjects."""

from __future__ import annotations

import duckdb

from export.haim.spec import Attribute
from export.warehouse import relation_columns
from releases.lake import ROW_ORDER

SUBJECTS_VIEW = "haim_export_subjects"
ROW_ORDER_COLUMN = ROW_ORDER[0]  # registered Arrow table of the subjects a worker handles


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _select_from(con: duckdb.DuckDBPyConnection, relation: str, attr: Attribute) -> tuple[str, list[str]]:
    """`SELECT … FROM relation [LEFT JOIN dictionary]` and the relation's own columns."""
    # The lake's record-order column is not a release column: it orders rows, it is not exported.
    cols = [c for c in relation_columns(con, relation) if c != ROW_ORDER_COLUMN]
    if "subject_id" not in cols:
        raise ValueError(f"relation {relation} has no subject_id column")
    select = [f"t.{quote(c)}" for c in cols]
    join = ""
    if attr.dictionary:
        dcols = [c for c in relation_columns(con, attr.dictionary) if c != ROW_ORDER_COLUMN]
        keys = [c for c in dcols if c in cols]
        if not keys:
            raise ValueError(f"dictionary {attr.dictionary} shares no column with {relation}")
        select += [f"d.{quote(c)}" for c in dcols if c not in cols]
        on = " AND ".join(f"t.{quote(k)} = d.{quote(k)}" for k in keys)
        join = f" LEFT JOIN {attr.dictionary} AS d ON {on}"
    return f"SELECT {', '.join(select)}\nFROM {relation} AS t{join}", cols


def columns_with_nulls(con: duckdb.DuckDBPyConnection, relation: str, attr: Attribute) -> list[str]:
    """Integer and boolean columns that hold a NULL anywhere in the (joined) relation. pandas makes such a
    column float64/object only when the rows at hand hold a NULL; deciding once per relation gives every
    pickle the same dtypes, as the reference's whole-table frames do."""
    select, _ = _select_from(con, relation, attr)
    empty = con.sql(select + " LIMIT 0")
    names, types = empty.columns, [str(t) for t in empty.types]
    candidates = [n for n, t in zip(names, types, strict=True) if "INT" in t or t == "BOOLEAN"]
    if not candidates:
        return []
    counts = ", ".join(f"count(*) - count({quote(c)})" for c in candidates)
    row = con.execute(f"SELECT {counts} FROM ({select}) AS q").fetchone() or ()
    return [c for c, n in zip(candidates, row, strict=True) if n]


LO, HI = "__SUBJECT_LO__", "__SUBJECT_HI__"  # placeholders of the subject range of a task


def bind_range(template: str, lo: int, hi: int) -> str:
    return template.replace(LO, str(int(lo))).replace(HI, str(int(hi)))


def relation_sql(con: duckdb.DuckDBPyConnection, relation: str, attr: Attribute) -> str:
    """Every row of `relation` for the registered subjects (the LO..HI range, bound per task with bind_range,
    lets Parquet row groups outside it be skipped), left-joined with the attribute's dictionary on the columns
    they share, ordered by subject_id then the attribute's order (default: its time column, then every
    column) so that the output does not depend on scan order."""
    select, cols = _select_from(con, relation, attr)
    order = list(attr.order) or ([attr.time] if attr.time in cols else []) + [
        c for c in cols if c != attr.time
    ]
    order = [c for c in order if c != "subject_id"]
    missing = [c for c in order if c not in cols]
    if missing:
        raise ValueError(f"relation {relation} lacks the order columns {missing}")
    order_sql = ", ".join(["t.subject_id", *(f"t.{quote(c)}" for c in order)])
    return (
        f"{select}\n"
        f"WHERE t.subject_id BETWEEN {LO} AND {HI}\n"
        f"  AND t.subject_id IN (SELECT subject_id FROM {SUBJECTS_VIEW})\n"
        f"ORDER BY {order_sql}"
    )
