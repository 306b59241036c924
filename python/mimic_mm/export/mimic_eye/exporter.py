"""`python -m export mimic-eye`: stream every table once, write each subject's folder as the streams pass."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import logging
import multiprocessing as mp
import os
import queue
import shutil
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from mimic_mm.atomic_fs import atomic_dir, atomic_file, temp_name
from mimic_mm.export.mimic_eye import fingerprint as fp
from mimic_mm.export.mimic_eye.csvout import open_private
from mimic_mm.export.mimic_eye.layout import FileSpec
from mimic_mm.export.mimic_eye.linking import Placer
from mimic_mm.export.mimic_eye.patient import ERROR_COLUMNS, ERRORS_FILE, PatientWriter
from mimic_mm.export.mimic_eye.plan import MARTS, build_plan, release_roots
from mimic_mm.export.mimic_eye.sql import SUBJECTS
from mimic_mm.export.stream import SubjectStream, merge_by_subject, stream_by_subject
from mimic_mm.export.warehouse import connect

log = logging.getLogger(__name__)

PATIENT_PREFIX = "patient_"


@dataclass(frozen=True)
class Options:
    db: Path
    out: Path
    link: str = "auto"
    index: bool = True
    force: bool = False
    batch_size: int = 65_536
    fsync: bool = False  # fsync each folder before its rename (survives power loss; ~1 ms per file)
    memory_limit: str | None = None  # DuckDB memory limit per worker process
    # what each folder's completion marker records (warehouse identity + folder settings); see folder_settings
    settings: dict[str, Any] = field(default_factory=dict)
    release_roots: dict[str, str] = field(default_factory=dict)  # stream key -> release root of its files


def folder_settings(opts: Options) -> dict[str, Any]:
    """Everything a patient folder's bytes depend on besides the subject: the warehouse and the settings that
    change file contents or how files are placed."""
    return {"warehouse": fp.warehouse_identity(opts.db), "index": opts.index, "link": opts.link}


@dataclass
class Totals:
    """Counts of one worker, summed over workers for the end summary."""

    patients: int = 0
    files: Counter[str] = field(default_factory=Counter)
    placed: Counter[str] = field(default_factory=Counter)
    bytes: int = 0
    errors: list[tuple[str, ...]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # rows skipped for an invalid identifier

    def merge(self, other: Totals) -> None:
        self.patients += other.patients
        self.files.update(other.files)
        self.placed.update(other.placed)
        self.bytes += other.bytes
        self.errors.extend(other.errors)
        self.rejected.extend(other.rejected)


def patient_dir(out: Path, subject_id: int) -> Path:
    return out / f"{PATIENT_PREFIX}{subject_id}"


def export_subjects(
    opts: Options,
    streams_sql: dict[str, str],
    files: list[FileSpec],
    subjects: Sequence[int],
    report: Callable[[int], None],
) -> Totals:
    """Write the folders of `subjects` (sorted) from one read-only connection, one cursor per stream."""
    totals = Totals()
    if not subjects:
        return totals
    spill = temp_name(opts.out / "duckdb")  # a read-only warehouse cannot spill beside itself
    spill.mkdir(mode=0o700)  # DuckDB would create it with the umask's mode; spilled rows are patient data
    con = connect(opts.db, memory_limit=opts.memory_limit, temp_directory=spill)
    cursors: list[duckdb.DuckDBPyConnection] = []
    streams: dict[str, SubjectStream] = {}
    try:
        ids = pa.table({"subject_id": pa.array(subjects, pa.int64())})
        for key, sql in streams_sql.items():
            cur = con.cursor()  # a DuckDB connection streams one result at a time
            cursors.append(cur)
            cur.register(SUBJECTS, ids)
            streams[key] = stream_by_subject(cur, sql, batch_size=opts.batch_size)
        placer = Placer(opts.link)
        writer = PatientWriter(files, placer, opts.index, opts.release_roots)
        for subject_id, tables in merge_by_subject(dict[str, Iterator[tuple[int, Any]]](streams), subjects):
            with atomic_dir(patient_dir(opts.out, subject_id), fsync=opts.fsync) as tmp:
                stats = writer.write(Path(tmp), subject_id, tables)
                # Last, after every file: a folder without it (or with another fingerprint) is redone.
                fp.write_marker(Path(tmp), fp.marker_doc("patient", opts.settings, subject_id=subject_id))
            totals.patients += 1
            totals.files.update(stats.files)
            totals.bytes += stats.bytes
            totals.errors.extend(stats.errors)
            totals.rejected.extend(stats.rejected)
            report(1)
        totals.placed.update(placer.counts)
    finally:
        # Close every cursor too: an open stream would keep the database instance (and its config) alive
        # in this process after an interruption.
        for stream in streams.values():
            _close_stream(stream)
        for cur in cursors:
            cur.close()
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    return totals


def _close_stream(stream: SubjectStream) -> None:
    """Release a stream's Arrow reader: one left open keeps DuckDB's database instance alive, and the next
    connect() to the same file in this process then blocks. SubjectStream has no close() yet, hence the
    fallback to its reader."""
    close = getattr(stream, "close", None)
    reader = getattr(stream, "_reader", None)
    if close is not None:
        close()
    elif reader is not None:
        reader.close()


_PROGRESS: Any = None  # the worker's progress queue, inherited through the pool's initializer
PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int) -> None:
    """End this worker as soon as the export process dies, even by SIGKILL: the kernel's parent-death signal
    on Linux, and everywhere a thread that polls the parent's pid (a re-parented process sees another)."""
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _init_worker(parent: int, progress: Any) -> None:
    global _PROGRESS
    _die_with_parent(parent)
    _PROGRESS = progress
    logging.basicConfig(level=logging.WARNING)


def _worker(opts: Options, streams_sql: dict[str, str], files: list[FileSpec], subjects: list[int]) -> Totals:
    return export_subjects(opts, streams_sql, files, subjects, _PROGRESS.put)


def chunks(subjects: Sequence[int], n: int) -> list[list[int]]:
    """Contiguous, nearly equal parts (each worker streams its own subject range)."""
    size, extra = divmod(len(subjects), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(list(subjects[start:end]))
        start = end
    return [c for c in out if c]


def todo_subjects(
    out: Path, subjects: Sequence[int], force: bool, settings: dict[str, Any]
) -> tuple[list[int], int]:
    """Subjects still to write. A folder is complete only when its marker (written last) carries the current
    fingerprint; complete folders are skipped unless --force, every other one is rebuilt."""
    if force:
        return sorted(subjects), 0
    expected = fp.fingerprint(settings)
    todo = [s for s in sorted(subjects) if not fp.is_complete(patient_dir(out, s), expected)]
    return todo, len(subjects) - len(todo)


def all_subjects(db: Path) -> list[int]:
    con = connect(db)
    try:
        return [r[0] for r in con.sql(f"SELECT subject_id FROM {MARTS['patients']} ORDER BY 1").fetchall()]
    finally:
        con.close()


def run_export(
    opts: Options, subjects: Sequence[int], workers: int, progress: Callable[[int], Callable[[int], None]]
) -> tuple[Totals, int, float]:
    """Export the given subjects (the caller holds the ExportLock); returns totals, the number skipped as
    complete, and seconds."""
    started = time.perf_counter()
    con = connect(opts.db)
    try:
        plan = build_plan(con)  # fails on a missing relation/column before any folder is written
        roots = release_roots(con, plan)
    finally:
        con.close()
    opts = dataclasses.replace(opts, release_roots=roots, settings=opts.settings or folder_settings(opts))
    todo, skipped = todo_subjects(opts.out, subjects, opts.force, opts.settings)
    report = progress(len(todo))
    totals = Totals()
    parts = chunks(todo, max(1, workers))
    if len(parts) <= 1:
        totals = export_subjects(opts, plan.streams, plan.files, todo, report)
    else:
        ctx = mp.get_context("spawn")  # no DuckDB state inherited through fork
        # A plain queue handed over at start (no Manager: its server process could outlive a killed export).
        q = ctx.Queue()
        with ProcessPoolExecutor(
            len(parts), mp_context=ctx, initializer=_init_worker, initargs=(os.getpid(), q)
        ) as pool:
            futures = [pool.submit(_worker, opts, plan.streams, plan.files, part) for part in parts]
            while not all(f.done() for f in futures) or not q.empty():
                with contextlib.suppress(queue.Empty):
                    report(q.get(timeout=0.2))
            for f in futures:
                totals.merge(f.result())
    return totals, skipped, time.perf_counter() - started


def write_errors(out: Path) -> tuple[Path, int] | None:
    """All missing images/reports/files of the export (this run's and earlier runs' complete folders) in one
    CSV beside the patient folders; identifiers only."""
    rows: list[list[str]] = []
    for path in sorted(out.glob(f"{PATIENT_PREFIX}*/{ERRORS_FILE}")):
        with open(path, encoding="utf-8", newline="") as fh:
            rows.extend(list(csv.reader(fh))[1:])
    target = out / ERRORS_FILE
    if not rows:
        target.unlink(missing_ok=True)
        return None
    with atomic_file(target) as tmp, open_private(tmp) as raw:
        fh = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        csv.writer(fh, lineterminator="\n").writerows([ERROR_COLUMNS, *rows])
        fh.flush()
        fh.detach()
    return target, len(rows)
