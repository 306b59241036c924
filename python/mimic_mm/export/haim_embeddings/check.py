"""`python -m export verify DIR` for an embeddings folder: each haim_embeddings.{csv,parquet} vs the mart it
was written from (marts.haim_fusion when its header has the model columns, else marts.haim_embeddings).

Checks, per file: owner-only modes; the header (names and order) equals the mart's columns in file order; the
rows come in (haim_id, img_id) order; the row count; and a full comparison of every value, done in DuckDB as a
hash of each row's values on both sides joined on (haim_id, img_id), the CSV read back with the mart's column
types so a single changed digit is a difference.
"""

from __future__ import annotations

import argparse
import csv
import logging
import stat
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from mimic_mm.export.haim_embeddings.layout import ORDER, file_columns, files_in, mart_of_header
from mimic_mm.export.progress import Summary
from mimic_mm.export.warehouse import connect, relation_columns
from mimic_mm.sql_quote import quote_ident, quote_string

log = logging.getLogger("mimic_mm.export.haim_embeddings")
SHOWN = 5  # differing keys printed per direction


def header(fmt: str, path: Path) -> list[str]:
    if fmt == "parquet":
        return list(pq.read_schema(path).names)
    with open(path, newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh), [])


def file_relation(fmt: str, path: Path, types: dict[str, str]) -> str:
    """SQL reading the file; the CSV with the mart's types (no guessing) and quoted "" kept as ''."""
    if fmt == "parquet":
        return f"read_parquet({quote_string(str(path))})"
    cols = ", ".join(f"{quote_string(name)}: {quote_string(t)}" for name, t in types.items())
    return (
        f"read_csv({quote_string(str(path))}, header = true, auto_detect = false, delim = ',', quote = '\"', "
        f"escape = '\"', nullstr = '', allow_quoted_nulls = false, columns = {{{cols}}})"
    )


def mart_types(con: duckdb.DuckDBPyConnection, mart: str, columns: list[str]) -> dict[str, str]:
    schema, _, name = mart.partition(".")
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ?",
        [schema, name],
    ).fetchall()
    found = dict(rows)
    return {c: found[c] for c in columns}


def check_file(con: duckdb.DuckDBPyConnection, fmt: str, path: Path) -> tuple[str, int, list[str]]:
    """(mart, columns checked, problems found in one file: empty when it matches the mart)."""
    problems: list[str] = []
    for p, label in ((path, "file"), (path.parent, "folder")):
        if stat.S_IMODE(p.stat().st_mode) & 0o077:
            problems.append(f"{label} {p} is readable by others (mode {stat.S_IMODE(p.stat().st_mode):o})")
    got = header(fmt, path)
    mart = mart_of_header(got)
    columns = file_columns(list(relation_columns(con, mart)), mart)
    if got != columns:
        first = next((i for i, (a, b) in enumerate(zip(got, columns, strict=False)) if a != b), None)
        where = (
            f"first difference at column {first}: {got[first]!r} ≠ {columns[first]!r}"
            if first is not None
            else ""
        )
        problems.append(f"header has {len(got)} columns, {mart} {len(columns)}; {where}".rstrip("; "))
        return mart, len(columns), problems  # the values cannot be lined up
    rel = file_relation(fmt, path, mart_types(con, mart, columns))
    cols = ", ".join(map(quote_ident, columns))
    key = ", ".join(map(quote_ident, ORDER))
    counted = con.execute(f"SELECT count(*) FROM {rel}").fetchone()
    expected = con.execute(f"SELECT count(*) FROM {mart}").fetchone()
    n_file, n_mart = (counted or (0,))[0], (expected or (0,))[0]
    if n_file != n_mart:
        problems.append(f"{n_file:,} rows in the file, {n_mart:,} in {mart}")
    # lag() over the scan order: with insertion order preserved that is the file's order
    unordered = con.execute(
        f"SELECT count(*) FROM (SELECT {key}, lag(haim_id) OVER () AS ph, lag(img_id) OVER () AS pi "
        f"FROM {rel}) WHERE ph IS NOT NULL AND (ph, pi) >= (haim_id, img_id)"
    ).fetchone()
    if unordered and unordered[0]:
        problems.append(f"{unordered[0]:,} rows are not in ({key}) order")
    # One 64-bit hash of every column per row on both sides, joined on the key: a changed value, a missing or
    # an extra row shows up with its key (a full EXCEPT ALL is ~10x slower at 484 columns).
    hashed = "SELECT {k}, hash({c}) AS h FROM {r}"
    found = con.execute(
        f"WITH f AS ({hashed.format(k=key, c=cols, r=rel)}), m AS ({hashed.format(k=key, c=cols, r=mart)}) "
        f"SELECT CASE WHEN m.h IS NULL THEN 'only in the file' WHEN f.h IS NULL THEN 'only in the mart' "
        f"ELSE 'with other values' END AS what, count(*), "
        f"list(struct_pack(haim_id := haim_id, img_id := img_id) ORDER BY haim_id, img_id)[:{SHOWN}] "
        f"FROM f FULL JOIN m USING ({key}) WHERE f.h IS DISTINCT FROM m.h GROUP BY what ORDER BY what"
    ).fetchall()
    for what, n, keys in found:
        shown = ", ".join(f"(haim_id {k['haim_id']}, img_id {k['img_id']})" for k in keys)
        problems.append(f"{n:,} rows {what}, e.g. {shown}")
    return mart, len(columns), problems


def verify_main(args: argparse.Namespace) -> int:
    folder: Path = args.dir
    found = files_in(folder)
    if not found:
        log.error("%s holds no haim_embeddings.csv or haim_embeddings.parquet", folder)
        return 2
    con = connect(args.warehouse)
    try:
        summary = Summary(f"HAIM embeddings verify: {folder}")
        failed = 0
        for fmt, path in found:
            try:
                mart, n_columns, problems = check_file(con, fmt, path)
            except duckdb.Error as exc:  # a damaged file: report it, check the others
                mart, n_columns, problems = "?", 0, [f"cannot be read as {fmt}: {str(exc).splitlines()[0]}"]
            for problem in problems:
                log.error("%s: %s", path.name, problem)
            summary.add(f"{path.name}", f"OK ({mart})" if not problems else f"{len(problems)} problems")
            summary.add(f"{path.name} columns checked", n_columns)
            if mart != "?":
                summary.add(
                    f"rows in {mart}", (con.execute(f"SELECT count(*) FROM {mart}").fetchone() or (0,))[0]
                )
            failed += bool(problems)
    finally:
        con.close()
    summary.print()
    return 1 if failed else 0
