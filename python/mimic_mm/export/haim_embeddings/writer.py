"""Write the mart to OUT/haim_embeddings.{csv,parquet}: one ordered DuckDB COPY into a temporary name, then
a rename. DuckDB streams the sorted rows to the file itself (spilling past --memory-limit), so the exporter
never holds the table; a daemon thread polls DuckDB's query progress for the progress bar."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mimic_mm.atomic_fs import atomic_file, remove_stale_temps, temp_name
from mimic_mm.export.atomic import ExportLock
from mimic_mm.export.haim_embeddings.layout import TABULAR, file_columns, file_name, ordered_query
from mimic_mm.export.haim_embeddings.source import choose
from mimic_mm.export.progress import Summary, human_bytes, progress_bar
from mimic_mm.export.warehouse import connect, relation_columns, relation_exists
from mimic_mm.private_fs import DIR_MODE, make_private_dirs
from mimic_mm.sql_quote import quote_string

log = logging.getLogger("mimic_mm.export.haim_embeddings")

# CSV as pandas writes it for HAIM: comma, header line, `"` quoting only where needed, NULL as an empty field.
# DuckDB prints doubles in their shortest round-trip form (`1.0`, `0.1`, `1e-300`), so pd.read_csv gives back
# the mart's float64 values bit for bit, and integral doubles keep their `.0` (pandas keeps the float dtype).
COPY_OPTIONS = {
    "csv": "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', ESCAPE '\"', NULLSTR ''",
    "parquet": "FORMAT parquet, COMPRESSION zstd",
}


@dataclass(frozen=True)
class Written:
    path: Path
    rows: int
    columns: int
    samples: int
    images: int
    bytes: int
    seconds: float
    table: str  # which mart and why


def copy_with_progress(con: duckdb.DuckDBPyConnection, sql: str, desc: str, total_rows: int) -> None:
    """Run `sql` (a COPY) in this thread while a daemon thread moves a bar along `con.query_progress()`.

    The query runs in the main thread because that is where DuckDB watches for Ctrl-C and stops the query at
    once; a worker thread would leave the signal to a main thread that can only ask DuckDB to stop."""
    bar = progress_bar(total=total_rows, desc=desc, unit="row")
    stop = threading.Event()

    def follow() -> None:
        while not stop.wait(0.25):
            percent = con.query_progress()
            if percent > 0:
                bar.update(max(0, int(total_rows * min(percent, 100.0) / 100) - bar.n))

    follower = threading.Thread(target=follow, name="haim-embeddings-progress", daemon=True)
    finished = False
    follower.start()
    try:
        con.execute(sql)
        finished = True
    finally:
        stop.set()
        follower.join()
        if finished:
            bar.update(total_rows - bar.n)
        bar.close()


def write(
    db: Path,
    out: Path,
    fmt: str,
    threads: int | None = None,
    memory_limit: str | None = "2GB",
    table: str = "auto",
) -> Written:
    """Export the mart `table` chooses (auto | whole | tabular) into `out` in format `fmt`; returns what was
    written."""
    started = time.perf_counter()
    target = out / file_name(fmt)
    make_private_dirs(out)
    os.chmod(out, DIR_MODE)  # an existing folder too: the file holds credentialed data
    with ExportLock(out):
        removed = remove_stale_temps(out, recursive=False)
        if removed:
            log.info("removed %d temporary files an interrupted run left in %s", removed, out)
        spill = temp_name(out / "duckdb-spill")
        con = connect(db, threads=threads, memory_limit=memory_limit, temp_directory=spill)
        try:
            # DuckDB's own bar would print over ours; query_progress() needs the tracking on
            con.execute("SET enable_progress_bar = true; SET enable_progress_bar_print = false")
            if not relation_exists(con, TABULAR):
                raise RuntimeError(
                    f"{TABULAR} is missing from {db}: run `dbt build --select +haim_embeddings`"
                )
            source = choose(con, table)
            mart = source.mart
            log.info("table: %s", source.what)
            columns = file_columns(list(relation_columns(con, mart)), mart)
            row = con.execute(f"SELECT count(*), count(DISTINCT haim_id), count(DISTINCT img_id) FROM {mart}")
            rows, samples, images = row.fetchone() or (0, 0, 0)
            log.info(
                "%d rows (%d samples, %d images), %d columns → %s",
                rows,
                samples,
                images,
                len(columns),
                target,
            )
            with atomic_file(target) as tmp:
                sql = (
                    f"COPY ({ordered_query(columns, mart)}) TO {quote_string(str(tmp))} ({COPY_OPTIONS[fmt]})"
                )
                copy_with_progress(con, sql, f"haim_embeddings.{fmt}", rows)
        finally:
            con.close()
            shutil.rmtree(spill, ignore_errors=True)
    return Written(
        target,
        rows,
        len(columns),
        samples,
        images,
        target.stat().st_size,
        time.perf_counter() - started,
        source.what,
    )


def main(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise ValueError("--workers must be ≥ 1")
    w = write(args.warehouse, args.out, args.format, args.workers, args.memory_limit, args.table)
    summary = Summary(f"HAIM embeddings export → {w.path}")
    summary.add("table", w.table)
    summary.add("rows (sample × image)", w.rows)
    summary.add("samples (haim_id)", w.samples)
    summary.add("images (img_id)", w.images)
    summary.add("columns", w.columns)
    summary.add("format", args.format)
    summary.add("bytes written", human_bytes(w.bytes))
    summary.add("seconds", round(w.seconds, 1))
    summary.add("rows/s", round(w.rows / w.seconds) if w.seconds else 0)
    summary.print()
    return 0
