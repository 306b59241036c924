"""Run the plan: skip unchanged tables, convert the rest concurrently (biggest first), write the manifest."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
from tqdm import tqdm

from mimic_mm.atomic_fs import publish, remove_stale_temps, temp_name
from mimic_mm.convert import manifest
from mimic_mm.convert.builders import BUILDERS, diagnose_count_mismatch, fingerprint
from mimic_mm.convert.detect import FoundRelease, detect, markers
from mimic_mm.convert.errors import ConvertError
from mimic_mm.convert.plan import Task, make_plan
from mimic_mm.convert.rawfile import sha256_file
from mimic_mm.cores import available_cpus
from mimic_mm.private_fs import make_private_dirs

log = logging.getLogger(__name__)


# DuckDB keeps the rows of a table in file order while it converts, buffering up to its limit: a few hundred
# MB a worker stream any table, and more only buys a little speed while the peak grows with the release.
DEFAULT_MEMORY_GB = 1.0


@dataclass
class Options:
    paths: list[Path]
    lake: Path
    force: bool = False
    workers: int = 2
    only: list[str] = field(default_factory=list)
    memory_limit_gb: float = DEFAULT_MEMORY_GB
    allow_missing: list[str] = field(default_factory=list)  # lake tables (or "all") a release may lack


@dataclass
class Result:
    task: Task
    status: str  # converted | skipped | absent | failed
    raw_rows: int = 0
    parquet_rows: int = 0
    parquet_bytes: int = 0
    seconds: float = 0.0
    error: str = ""
    entry: dict = field(default_factory=dict)


def _schema_digest(task: Task) -> str:
    return hashlib.sha256(json.dumps([task.builder, task.schema]).encode()).hexdigest()[:16]


_local = threading.local()
# Every worker connection, so that Ctrl-C in the main thread can stop the COPYs the workers are running.
_open: set[duckdb.DuckDBPyConnection] = set()
_open_lock = threading.Lock()


def _interrupt_workers() -> None:
    with _open_lock:
        for con in _open:
            con.interrupt()


def _connection(opts: Options) -> duckdb.DuckDBPyConnection:
    """One DuckDB connection per worker thread, reused across its tables (connecting costs more than a
    small table's conversion)."""
    con = getattr(_local, "con", None)
    if con is None:
        con = _local.con = _connect(opts)
    return con


def _drop_connection() -> None:
    """Forget this thread's connection after a failure, so that no state of it leaks into the next table."""
    con = getattr(_local, "con", None)
    _local.con = None
    if con is not None:
        with _open_lock:
            _open.discard(con)
        con.close()


def _connect(opts: Options) -> duckdb.DuckDBPyConnection:
    threads = max(1, available_cpus() // max(1, opts.workers))
    memory = opts.memory_limit_gb / max(1, opts.workers)
    con = duckdb.connect(
        config={
            "threads": threads,
            "memory_limit": f"{memory:.2f}GB",
            "preserve_insertion_order": True,
            "enable_external_access": True,
            # An interrupted COPY deadlocks in DuckDB 2.0's asynchronous file writer; write synchronously.
            "async_threads": 0,
            # Spilled blocks hold raw rows: keep them in the owner-only lake, not in the working directory.
            "temp_directory": str(_spill_dir(opts.lake)),
        }
    )
    with _open_lock:
        _open.add(con)
    return con


def _spill_dir(lake: Path) -> Path:
    return lake / ".duckdb-tmp"


def _output(lake: Path, task: Task) -> Path:
    return lake / task.module / f"{task.table}.parquet"


def _up_to_date(task: Task, old: dict, out: Path) -> bool:
    """Whether the previous output still matches its sources (checksum, release, schema) and is the file the
    manifest recorded (its sha256: a damaged or replaced Parquet file is rebuilt, never trusted)."""
    return (
        out.is_file()
        and old.get("schema") == _schema_digest(task)
        and old.get("release") == task.release
        and old.get("status") == _status(task)
        and old.get("note") == _note(task)
        and fingerprint(task) == old.get("sources")
        and old.get("parquet_sha256") == sha256_file(out)
    )


def _status(task: Task) -> str:
    if task.builder != "absent":
        return "converted"
    return "missing_allowed" if task.missing else "absent"


def _note(task: Task) -> str:
    return task.note or (task.found.note if task.found else "")


def run_task(task: Task, opts: Options, old: dict | None) -> Result:
    out = _output(opts.lake, task)
    start = time.perf_counter()
    if task.errors:
        return Result(task, "failed", error="\n".join(task.errors))
    tmp = temp_name(out)
    try:
        if not opts.force and old is not None and _up_to_date(task, old, out):
            return Result(
                task,
                "skipped",
                old["raw_rows"],
                old["parquet_rows"],
                out.stat().st_size,
                time.perf_counter() - start,
                entry=old,
            )
        built = BUILDERS[task.builder](task, _connection(opts), tmp)
        rows = pq.read_metadata(tmp).num_rows
        if rows != built.raw_rows:
            diagnose_count_mismatch(task)
            raise ConvertError(
                f"{task.key}: row count mismatch: the raw files hold {built.raw_rows} records,"
                f" the Parquet file {rows} rows"
            )
        publish(tmp, out)
    except ConvertError as exc:
        _drop_connection()
        tmp.unlink(missing_ok=True)
        return Result(task, "failed", seconds=time.perf_counter() - start, error=str(exc))
    except Exception as exc:
        _drop_connection()
        tmp.unlink(missing_ok=True)
        return Result(
            task,
            "failed",
            seconds=time.perf_counter() - start,
            error=f"{task.key}: {type(exc).__name__}: {exc}",
        )
    seconds = time.perf_counter() - start
    # No run time or other per-run value: the manifest's bytes are the lake's fingerprint (see README).
    entry = {
        "release": task.release,
        "status": _status(task),
        "note": _note(task),
        "missing": task.missing,
        "rejected_ids": sorted(task.rejected),
        "sources": built.sources,
        "raw_rows": built.raw_rows,
        "parquet_rows": rows,
        "parquet_bytes": out.stat().st_size,
        "parquet_sha256": sha256_file(out),
        "schema": _schema_digest(task),
    }
    status = "converted" if task.builder != "absent" else "absent"
    return Result(task, status, built.raw_rows, rows, out.stat().st_size, seconds, entry=entry)


# CSV tables keep a core busy each (inflating, counting, DuckDB's parse and write). The other builders mostly
# wait on the file system (walking tens of thousands of image folders, reading small per-case files): they
# run in one side lane beside the CSV workers, so their waits overlap CPU work instead of idling a worker.
CPU_BOUND = {"csv"}


def _weight(task: Task) -> int:
    if task.builder == "csv":
        return task.source_bytes()
    if task.builder == "absent":
        return -1
    return 1 << 20  # per-case files and inventories: small in bytes, many files


def _lanes(tasks: list[Task]) -> tuple[list[Task], list[Task]]:
    """(CPU-bound tasks, side-lane tasks), each biggest first."""
    tasks = sorted(tasks, key=_weight, reverse=True)
    return [t for t in tasks if t.builder in CPU_BOUND], [t for t in tasks if t.builder not in CPU_BOUND]


def _allow_missing(tasks: list[Task], allowed: list[str]) -> None:
    """Tables whose only problem is a missing raw file, and that the user named, are built empty."""
    keys = {t.key for t in tasks}
    unknown = sorted(set(allowed) - keys - {"all"})
    if unknown:
        raise ConvertError(f"--allow-missing: unknown tables {unknown} (use module/table, or all)")
    for t in tasks:
        if t.missing and ("all" in allowed or t.key in allowed) and len(t.errors) == len(t.missing):
            t.errors, t.builder = [], "absent"
            t.note = (
                f"raw file missing from {t.found.release if t.found else '?'}: built empty (--allow-missing)"
            )
        elif t.missing and len(t.errors) == len(t.missing):
            t.errors.append(f"{t.key}: pass --allow-missing {t.key} (or all) to build it empty")


def convert(opts: Options) -> tuple[list[Result], dict[str, FoundRelease]]:
    """Run the conversion. Every file it (or DuckDB: Parquet files being written, spill files) creates is
    owner-only from its first byte: the umask is 077 while it runs, whatever the user's umask."""
    old_umask = os.umask(0o077)
    try:
        return _convert(opts)
    finally:
        os.umask(old_umask)


def _convert(opts: Options) -> tuple[list[Result], dict[str, FoundRelease]]:
    found = detect(opts.paths)
    if not found:
        raise ConvertError(
            f"no release found under {', '.join(map(str, opts.paths))}: looked for the marker files "
            + ", ".join(sorted({m for ms in markers().values() for _, m in ms}))
            + " (.csv or .csv.gz)"
        )
    for family in sorted(found):
        fr = found[family]
        log.info("%s: %s at %s", family, fr.release, fr.root)
    tasks = make_plan(found)
    _allow_missing(tasks, opts.allow_missing)
    if opts.only:
        unknown = set(opts.only) - {t.key for t in tasks}
        if unknown:
            raise ConvertError(
                f"--only: unknown tables {sorted(unknown)} (use module/table, e.g. hosp/admissions)"
            )
        tasks = [t for t in tasks if t.key in opts.only]
    missing_modules = sorted({t.module for t in tasks if t.builder == "absent" and "not found" in t.note})
    for module in missing_modules:
        log.warning("module %s: no release found under the given paths; its tables are written empty", module)
    make_private_dirs(opts.lake)
    remove_stale_temps(opts.lake, recursive=False)  # a manifest being written when a run was killed
    make_private_dirs(_spill_dir(opts.lake))
    for module in {t.module for t in tasks}:
        make_private_dirs(opts.lake / module)
        remove_stale_temps(opts.lake / module, recursive=False)
    doc = manifest.load(opts.lake)
    before = manifest.state(doc)
    doc["releases"] = {
        family: {"release": fr.release, "root": str(fr.root), "note": fr.note}
        for family, fr in sorted(found.items())
    }
    heavy, side = _lanes(tasks)
    results: list[Result] = []
    pool = ThreadPoolExecutor(max_workers=max(1, opts.workers), thread_name_prefix="convert")
    side_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="convert-side")
    try:
        with tqdm(total=len(tasks), unit="table", desc="convert", disable=None) as bar:
            pending: set[Future] = {
                lane.submit(run_task, t, opts, doc["tables"].get(t.key))
                for lane, group in ((pool, heavy), (side_pool, side))
                for t in group
            }
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    res = fut.result()
                    results.append(res)
                    bar.update(1)
                    bar.set_postfix_str(res.task.key)
                    if res.status == "failed":
                        log.error("%s", res.error)
                    else:
                        # Recorded as each table completes: a killed run keeps every finished table.
                        doc["tables"][res.task.key] = res.entry
                        manifest.save(opts.lake, doc, before)
                        log.info(
                            "%s: %s, %d rows, %.1f s", res.task.key, res.status, res.parquet_rows, res.seconds
                        )
    except BaseException:
        # Ctrl-C (or a failure here): queued tables never start and running COPYs stop now, instead of the
        # pools converting everything left before the interrupt is reported. Their temporary files go.
        for lane in (pool, side_pool):
            lane.shutdown(wait=False, cancel_futures=True)
        _interrupt_workers()
        raise
    finally:
        for lane in (pool, side_pool):
            lane.shutdown(wait=True)
        with _open_lock:  # the worker threads are gone: close what they left open
            for con in _open:
                con.close()
            _open.clear()
        # Spilled blocks hold raw rows: never leave them behind, whatever ended the run.
        shutil.rmtree(_spill_dir(opts.lake), ignore_errors=True)
    manifest.save(opts.lake, doc, before)
    results.sort(key=lambda r: r.task.key)
    return results, found
