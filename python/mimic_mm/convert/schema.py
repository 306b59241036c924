"""The lake schema: `releases.lake_tables()` plus the converter's extra columns and tables (see
docs/architecture.md section 2)."""

from __future__ import annotations

from functools import cache

from mimic_mm.releases import ReleaseTable
from mimic_mm.releases.catalog import RENAMES, _lake_table_name
from mimic_mm.releases.lake import all_tables, table_columns

Schema = list[tuple[str, str]]


@cache
def lake_schema(module: str, table: str) -> Schema:
    """Every column of a lake table, in order, with its DuckDB type."""
    return [(c, t) for c, t, _ in table_columns(module, table)]


def all_lake_tables() -> list[tuple[str, str]]:
    return [(module, table) for module, tables in all_tables().items() for table in tables]


def lake_key(rt: ReleaseTable) -> tuple[str, str]:
    """The lake table a release table lands in (REFLACX phase files merge)."""
    return rt.module, _lake_table_name(rt)


def lake_column(rt: ReleaseTable, raw_name: str) -> str:
    """The lake name of a raw column: MIMIC names lower-cased, renamed columns under their new name."""
    name = RENAMES.get((rt.table, raw_name), raw_name)
    return name.lower() if rt.release.startswith("mimic-iv") else name
