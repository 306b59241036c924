"""Open the dbt-built DuckDB warehouse read-only, with errors that say what to do."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

import duckdb

from mimic_mm.export import relations

LINEAGE = relations.LAKE_LINEAGE
LAKE_MANIFEST = "_manifest.json"


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
    # DuckDB 2.0 deadlocks when a COPY is interrupted while its asynchronous writer holds buffered blocks
    # (AsyncFileWriter::AbortWrite waits on tasks no thread runs); synchronous writes stop cleanly on Ctrl-C.
    config: dict[str, str | bool | int | float | list[str]] = {"async_threads": 0}
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
        raise WarehouseError(f"cannot open warehouse {path}: {_first_line(exc)}") from exc
    except duckdb.Error as exc:
        raise WarehouseError(
            f"cannot open warehouse {path} as a DuckDB database ({_first_line(exc)}): "
            "rebuild it with `dbt build`"
        ) from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip() or type(exc).__name__).splitlines()[0]


def database_path(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()  # fetchall: DuckDB 2.0 refuses further work on a connection with a half-read result
    row = rows[0] if rows else None
    return str(row[0]) if row and row[0] else "(in-memory)"


def _iso(value: object) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat(timespec="seconds") + "Z"
    return str(value)


def lake_updated_at(manifest: Path) -> str:
    """The manifest's `updated_at`, or the file's modification time (UTC) when it has none."""
    try:
        value = json.loads(manifest.read_text(encoding="utf-8")).get("updated_at")
    except (OSError, ValueError, AttributeError):
        value = None
    if value:
        return str(value)
    return _iso(dt.datetime.fromtimestamp(manifest.stat().st_mtime, dt.timezone.utc))


def check_lake_unchanged(warehouse: duckdb.DuckDBPyConnection | str | os.PathLike[str]) -> None:
    """Refuse a warehouse whose lake changed after `dbt build`: the sha256 of LAKE/_manifest.json recorded by
    the `lake_lineage` model must match the file's bytes now. Every exporter and every verify calls this, with
    an open connection or the warehouse path."""
    if not isinstance(warehouse, duckdb.DuckDBPyConnection):
        con = connect(warehouse)
        try:
            check_lake_unchanged(con)
        finally:
            con.close()
        return
    con = warehouse
    db = database_path(con)
    require_relations(con, [LINEAGE])
    rows = con.execute(
        f"SELECT lake_root, manifest_sha256, lake_updated_at, built_at FROM {LINEAGE}"
    ).fetchall()
    if not rows:
        raise WarehouseError(f"{LINEAGE} of warehouse {db} is empty: run `dbt build`")
    root, recorded, recorded_at, built_at = rows[0]
    manifest = Path(root) / LAKE_MANIFEST
    if not manifest.is_file():
        if recorded is None:
            return  # built from a lake without a manifest, which still has none: nothing to compare
        raise WarehouseError(
            f"lake manifest {manifest} is gone since warehouse {db} was built from it (lake of "
            f"{_iso(recorded_at)}, warehouse built {_iso(built_at)}): run `python -m convert`, then "
            "`dbt build`"
        )
    current = hashlib.sha256(manifest.read_bytes()).hexdigest()
    if current != recorded:
        raise WarehouseError(
            f"the lake {root} changed after warehouse {db} was built from it: lake updated "
            f"{lake_updated_at(manifest)}, warehouse built {_iso(built_at)} from the lake of "
            f"{_iso(recorded_at) if recorded_at is not None else 'no manifest'}; "
            "run `dbt build` to rebuild it"
        )


def require_relations(con: duckdb.DuckDBPyConnection, relations: Iterable[str]) -> None:
    """One-line error naming the first relation the warehouse lacks (a partial or older `dbt build`)."""
    for rel in relations:
        if not relation_exists(con, rel):
            raise WarehouseError(
                f"warehouse {database_path(con)} has no {rel}: `dbt build` did not complete or predates this "
                "version; run `dbt build`"
            )


def relation_exists(con: duckdb.DuckDBPyConnection, relation: str) -> bool:
    """True when `schema.name` is a table or view of the warehouse."""
    schema, _, name = relation.rpartition(".")
    rows = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [schema or "main", name],
    ).fetchall()
    return bool(rows and rows[0][0])


def relation_columns(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Column name -> DuckDB type of a table or view, in column order; a clear error names the missing
    relation."""
    schema, _, name = relation.rpartition(".")
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
        "AND table_name = ? ORDER BY ordinal_position",
        [schema or "main", name],
    ).fetchall()
    if not rows:
        raise WarehouseError(f"relation {relation} is missing from the warehouse: was `dbt build` complete?")
    return {column: str(type_) for column, type_ in rows}
