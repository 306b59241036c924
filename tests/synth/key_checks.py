"""Every published key of keys.tsv (mimic-code's constraint.sql), primary and foreign, checked with DuckDB
straight on a generated release's CSV files: the same keys that dbt's staging tests enforce on `dbt build`."""

from __future__ import annotations

from pathlib import Path

import duckdb
from synth_readback import table_path

from mimic_mm.releases import published_keys, release_tables
from mimic_mm.sql_quote import quote_ident, quote_string


def _relation(out: Path, release: str, version: str, table: str) -> str:
    path = table_path(out, release, table, version)
    # all_varchar: keys compare as the text written, so a float-formatted id would not match an integer one
    return f"read_csv({quote_string(str(path))}, header = true, all_varchar = true)"


def key_violations(out: Path, release: str, version: str) -> tuple[list[str], int]:
    """(one line per broken key with up to three offending values, number of keys checked)."""
    tables = release_tables(release)
    problems: list[str] = []
    checked = 0
    con = duckdb.connect()
    for key in published_keys():
        if key["table"] not in tables or (key["ref_table"] and key["ref_table"] not in tables):
            continue  # a table this layout does not have
        child = _relation(out, release, version, key["table"])
        cols = ", ".join(quote_ident(c) for c in key["columns"].split(","))
        if key["kind"] == "primary_key":
            sql = f"select {cols}, count(*) as n from {child} group by all having n > 1 limit 3"
        else:
            col, ref = quote_ident(key["columns"]), quote_ident(key["ref_columns"])  # single-column keys
            parent = _relation(out, release, version, key["ref_table"])
            sql = (
                f"select distinct c.{col} from {child} as c where c.{col} is not null "
                f"and c.{col} not in (select p.{ref} from {parent} as p where p.{ref} is not null) limit 3"
            )
        bad = con.sql(sql).fetchall()
        checked += 1
        if bad:
            problems.append(f"{release}/{key['table']} {key['kind']} ({key['columns']}): {bad}")
    con.close()
    return problems, checked
