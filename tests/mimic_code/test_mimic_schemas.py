"""The warehouse's mimiciv_hosp/icu/ed/note views: mimic-code's table and column names and types, and the same
rows as mimic-code's own DuckDB load of the same raw files."""

from __future__ import annotations

import duckdb
import pytest
from mimic_code_harness import MimicCodeBuild, require_mimic_code

from mimic_mm.releases.catalog import SOURCE_OF_MODULE
from mimic_mm.releases.lake import all_tables, table_columns
from mimic_mm.releases.mimic_schemas import TYPES_FILE, mimic_code_types, types_from_create_sql, types_tsv

pytestmark = pytest.mark.xdist_group("mimic_code")


def test_type_table_is_mimic_codes_create_sql() -> None:
    """python/mimic_mm/releases/mimic_code_types.tsv holds what DuckDB makes of mimic-code's create.sql (FLOAT
    is a 32-bit REAL in DuckDB), so regenerating it from the checkout changes nothing."""
    create_sql = require_mimic_code() / "mimic-iv" / "buildmimic" / "postgres" / "create.sql"
    rows = types_from_create_sql(create_sql)
    from importlib import resources

    packaged = resources.files("mimic_mm.releases").joinpath(TYPES_FILE).read_text(encoding="utf-8")
    assert packaged == types_tsv(rows)
    assert mimic_code_types()[("mimiciv_icu", "chartevents", "valuenum")] == "FLOAT"
    assert mimic_code_types()[("mimiciv_icu", "inputevents", "rate")] == "FLOAT"


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns where table_catalog = ? and "
        "table_schema = ? and table_name = ? order by ordinal_position",
        [catalog, schema, table],
    ).fetchall()


def test_views_are_mimic_codes_tables(mimic_code_build: MimicCodeBuild) -> None:
    """Every table mimic-code's loader creates exists here with its columns in its order and types, and holds
    the same rows; extra columns are only lake columns of other MIMIC-IV versions, never row_index."""
    con = duckdb.connect()
    con.execute(f"attach '{mimic_code_build.warehouse.duckdb}' as ours (read_only)")
    con.execute(f"attach '{mimic_code_build.reference_db}' as ref (read_only)")
    ref_tables = con.execute(
        "select table_schema, table_name from information_schema.tables where table_catalog = 'ref' "
        "and table_schema in ('mimiciv_hosp', 'mimiciv_icu') order by all"
    ).fetchall()
    assert len(ref_tables) == 31
    module_of = {v: k for k, v in SOURCE_OF_MODULE.items()}
    loaded = 0
    for schema, table in ref_tables:
        theirs = _columns(con, "ref", schema, table)
        ours = _columns(con, "ours", schema, table)
        names = {c for c, _ in theirs}
        assert [c for c in ours if c[0] in names] == theirs, f"{schema}.{table}"
        lake = {c for c, _, _ in table_columns(module_of[schema], table)} - {"row_index"}
        assert {c for c, _ in ours} - names <= lake, f"{schema}.{table}"
        cols = ", ".join(f'"{c}"' for c, _ in theirs)
        n_ours = con.execute(f"select count(*) from ours.{schema}.{table}").fetchone()
        n_ref = con.execute(f"select count(*) from ref.{schema}.{table}").fetchone()
        assert n_ours == n_ref, f"{schema}.{table}"
        for a, b in (("ours", "ref"), ("ref", "ours")):
            extra = con.execute(
                f"select count(*) from (select {cols} from {a}.{schema}.{table} "
                f"except all select {cols} from {b}.{schema}.{table})"
            ).fetchone()
            assert extra == (0,), f"{schema}.{table}: {extra} rows of {a} not in {b}"
        loaded += int(n_ref[0]) if n_ref else 0
    assert loaded > 100_000


def test_ed_and_note_schemas(mimic_code_build: MimicCodeBuild) -> None:
    """mimic-code does not load ED and Note; their views still exist, with the release's column names and the
    staging models' rows."""
    con = duckdb.connect(str(mimic_code_build.warehouse.duckdb), read_only=True)
    for module in ("ed", "note"):
        schema = SOURCE_OF_MODULE[module]
        for table in all_tables()[module]:
            ours = [
                c
                for c, _ in _columns(
                    con, con.execute("select current_database()").fetchone()[0], schema, table
                )
            ]
            published = [c for c, _, _ in table_columns(module, table) if c != "row_index"]
            assert ours == published, f"{schema}.{table}"
            n = con.execute(f"select count(*) from {schema}.{table}").fetchone()
            n_stg = con.execute(f"select count(*) from staging.stg_{schema}__{table}").fetchone()
            assert n == n_stg and n is not None and n[0] > 0, f"{schema}.{table}"
