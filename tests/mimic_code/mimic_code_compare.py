"""Compare the mimiciv_derived tables of two DuckDB files: same columns and types, same rows (as multisets),
floating columns within a relative tolerance."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

SCHEMA = "mimiciv_derived"
_FLOATS = ("FLOAT", "DOUBLE", "REAL")


@dataclass
class TableDiff:
    table: str
    rows: tuple[int, int]
    problems: list[str]


def columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[tuple[str, str]]:
    return [
        (str(c), str(t))
        for c, t in con.execute(
            "select column_name, data_type from information_schema.columns where table_catalog = ? "
            "and table_schema = ? and table_name = ? order by ordinal_position",
            [catalog, schema, table],
        ).fetchall()
    ]


def tables(con: duckdb.DuckDBPyConnection, catalog: str, schema: str = SCHEMA) -> list[str]:
    rows = con.execute(
        "select table_name from information_schema.tables where table_catalog = ? and table_schema = ? "
        "order by table_name",
        [catalog, schema],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _sorted(df: pd.DataFrame, floats: list[str]) -> pd.DataFrame:
    """Rows in a canonical order: exact columns first, then floats rounded well above the tolerance."""
    keys = pd.DataFrame(index=df.index)
    exact = [c for c in df.columns if c not in floats]
    for c in exact:
        keys[c] = df[c].astype("string").fillna("\x00")
    for c in floats:
        keys[c] = df[c].astype("float64").round(3)
    order = keys.sort_values(list(keys.columns), na_position="first", kind="mergesort").index
    return df.loc[order].reset_index(drop=True)


def compare_table(
    con: duckdb.DuckDBPyConnection, ours: str, theirs: str, table: str, rtol: float = 1e-5, atol: float = 1e-9
) -> TableDiff:
    cols_ours, cols_theirs = columns(con, ours, SCHEMA, table), columns(con, theirs, SCHEMA, table)
    problems = []
    if cols_ours != cols_theirs:
        problems.append(f"columns differ: ours {cols_ours} theirs {cols_theirs}")
    a = con.sql(f'select * from "{ours}".{SCHEMA}."{table}"').df()
    b = con.sql(f'select * from "{theirs}".{SCHEMA}."{table}"').df()
    diff = TableDiff(table, (len(a), len(b)), problems)
    if problems or len(a) != len(b):
        if len(a) != len(b):
            problems.append(f"row counts differ: ours {len(a)} theirs {len(b)}")
        return diff
    floats = [c for c, t in cols_ours if t.upper().startswith(_FLOATS) or t.upper().startswith("DECIMAL")]
    a, b = _sorted(a, floats), _sorted(b, floats)
    for c in a.columns:
        if c in floats:
            x, y = a[c].astype("float64").to_numpy(), b[c].astype("float64").to_numpy()
            same = np.isclose(x, y, rtol=rtol, atol=atol, equal_nan=True)
        else:
            x_s, y_s = a[c].astype("string"), b[c].astype("string")
            same = ((x_s == y_s) | (x_s.isna() & y_s.isna())).fillna(False).to_numpy(dtype=bool)
        if not same.all():
            k = int(np.flatnonzero(~same)[0])
            problems.append(
                f"{c}: {int((~same).sum())} rows differ, e.g. ours {a[c][k]!r} theirs {b[c][k]!r}"
            )
    return diff


def compare_all(
    ours_db: Path, theirs_db: Path, atol: dict[str, float] | None = None
) -> tuple[list[TableDiff], list[str], list[str]]:
    """(per-table comparison, tables only ours has, tables only theirs has); `atol` loosens named tables."""
    con = duckdb.connect()
    con.execute(f"attach '{ours_db}' as ours (read_only)")
    con.execute(f"attach '{theirs_db}' as theirs (read_only)")
    t_ours, t_theirs = tables(con, "ours"), tables(con, "theirs")
    loose = atol or {}
    diffs = [
        compare_table(con, "ours", "theirs", t, atol=loose.get(t, 1e-9)) for t in t_theirs if t in t_ours
    ]
    return diffs, sorted(set(t_ours) - set(t_theirs)), sorted(set(t_theirs) - set(t_ours))
