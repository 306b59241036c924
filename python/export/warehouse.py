"""Open the dbt-built DuckDB warehouse read-only, with errors that say what to do."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb


class WarehouseError(RuntimeError):
    """The warehouse file cannot be opened for export."""


def connect(
    db_path: str | os.PathLike[str],
    *,
    threads: int | None = None,
    memory_limit: str | None = None,
    temp_directory: str | os.PathLike[str] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open `db_path` read-only. Several exporter processes may read the same file at once; a writer (a
    running
    `dbt build`) holds an exclusive lock, which is reported as such rather than as a raw IO error."""
    path = Path(db_path)
    if not path.is_file():
        raise WarehouseError(
            f"warehouse {path} does not exist: run `dbt build` first or pass --db / set MIMIC_DUCKDB_PATH"
        )
    config: dict[str, str | bool | int | float | list[str]] = {}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    if temp_directory:
        # Read-only databases would otherwise spill next to the warehouse file.
        config["temp_directory"] = str(temp_directory)
    try:
        return duckdb.connect(str(path), read_only=True, config=config)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseError(
                f"warehouse {path} is locked by another process (is `dbt build` still running?); "
                "wait for it to finish and retry"
            ) from exc
        raise WarehouseError(f"cannot open warehouse {path}: {exc}") from exc
    except duckdb.Error as exc:
        raise WarehouseError(f"cannot open warehouse {path} as a DuckDB database: {exc}") from exc


def relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """True when `schema.name` is a table or view of the warehouse."""
    schema, _, name = relation.rpartition(".")
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema or "main", name],
    ).fetchone()
    return bool(row and row[0])


def relation_columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """Column names of a table or view, in order; a clear error names the missing relation."""
    schema, _, name = relation.rpartition(".")
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
        "ORDER BY ordinal_position",
        [schema or "main", name],
    ).fetchall()
    if not rows:
        raise WarehouseError(f"relation {relation} is missing from the warehouse: was `dbt build` complete?")
    return [r[0] for r in rows]
