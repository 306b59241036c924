"""SQL for the HAIM streams: one ordered query per relation, restricted to a list of subjects."""

from __future__ import annotations

import duckdb

from mimic_mm.export.haim.release_columns import converted_releases, published_columns
from mimic_mm.export.haim.spec import Attribute
from mimic_mm.export.warehouse import relation_columns
from mimic_mm.releases.lake import ROW_ORDER
from mimic_mm.sql_quote import quote_ident

SUBJECTS_VIEW = "haim_export_subjects"  # registered Arrow table of the subjects a worker handles
ROW_ORDER_COLUMN = ROW_ORDER[0]  # the lake's record order in the release file (orders rows, not exported)


def _select_from(con: duckdb.DuckDBPyConnection, relation: str, attr: Attribute) -> tuple[str, list[str]]:
    """`SELECT … FROM relation [LEFT JOIN dictionary]` under the release's header names, and the relation's
    staging columns."""
    releases = converted_releases(con)
    # The lake's record-order column is not a release column: it orders rows, it is not exported.
    cols = [c for c in relation_columns(con, relation) if c != ROW_ORDER_COLUMN]
    if "subject_id" not in cols:
        raise ValueError(f"relation {relation} has no subject_id column")
    table = published_columns(releases, relation, cols)
    select = [f"t.{quote_ident(c)} AS {quote_ident(p)}" for c, p in table]
    join = ""
    if attr.dictionary:
        dcols = [c for c in relation_columns(con, attr.dictionary) if c != ROW_ORDER_COLUMN]
        dictionary = published_columns(releases, attr.dictionary, dcols)
        names = {p: c for c, p in table}
        keys = [(names[p], c) for c, p in dictionary if p in names]
        if not keys:
            raise ValueError(f"dictionary {attr.dictionary} shares no column with {relation}")
        select += [f"d.{quote_ident(c)} AS {quote_ident(p)}" for c, p in dictionary if p not in names]
        # a pandas merge on every shared name: NULL keys match each other, rows multiply
        on = " AND ".join(f"t.{quote_ident(tc)} IS NOT DISTINCT FROM d.{quote_ident(dc)}" for tc, dc in keys)
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
    counts = ", ".join(f"count(*) - count({quote_ident(c)})" for c in candidates)
    row = con.execute(f"SELECT {counts} FROM ({select}) AS q").fetchone() or ()
    return [c for c, n in zip(candidates, row, strict=True) if n]


LO, HI = "__SUBJECT_LO__", "__SUBJECT_HI__"  # placeholders of the subject range of a task


def bind_range(template: str, lo: int, hi: int) -> str:
    return template.replace(LO, str(int(lo))).replace(HI, str(int(hi)))


def relation_sql(con: duckdb.DuckDBPyConnection, relation: str, attr: Attribute) -> str:
    """Every row of `relation` for the registered subjects (the LO..HI range, bound per task with bind_range,
    lets Parquet row groups outside it be skipped), left-joined with the attribute's dictionary on the columns
    they share, ordered by subject_id then the attribute's order. The default order is the release file's
    (the lake's row_index), then the dictionary's for rows a join multiplied: what the reference's stable
    sort by its key columns leaves within one subject, admission or stay, and what HAIM's statistics read."""
    select, cols = _select_from(con, relation, attr)
    all_cols = relation_columns(con, relation)
    if attr.order:
        order = [f"t.{quote_ident(c)}" for c in attr.order if c != "subject_id"]
        missing = [c for c in attr.order if c not in cols]
    else:
        order = [f"t.{ROW_ORDER_COLUMN}"]
        missing = [] if ROW_ORDER_COLUMN in all_cols else [ROW_ORDER_COLUMN]
        if attr.dictionary and ROW_ORDER_COLUMN in relation_columns(con, attr.dictionary):
            order.append(f"d.{ROW_ORDER_COLUMN}")
    if missing:
        raise ValueError(f"relation {relation} lacks the order columns {missing}")
    order_sql = ", ".join(["t.subject_id", *order])
    return (
        f"{select}\n"
        f"WHERE t.subject_id BETWEEN {LO} AND {HI}\n"
        f"  AND t.subject_id IN (SELECT subject_id FROM {SUBJECTS_VIEW})\n"
        f"ORDER BY {order_sql}"
    )
