"""Plan the HAIM export (samples, resume), run it over worker processes, write the key, manifest and errors
files."""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import fcntl
import functools
import hashlib
import json
import logging
import multiprocessing as mp
import os
import queue
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from mimic_mm.atomic_fs import atomic_file, remove_stale_temps
from mimic_mm.export import relations
from mimic_mm.export.haim.assemble import Stay, SubjectAssembler, Window
from mimic_mm.export.haim.frames import concat_frames, slice_frame, to_pandas
from mimic_mm.export.haim.portable_pickle import dump as dump_portable
from mimic_mm.export.haim.queries import SUBJECTS_VIEW, bind_range, columns_with_nulls, relation_sql
from mimic_mm.export.haim.spec import attributes, streamed_relations
from mimic_mm.export.stream import SubjectStream, merge_by_subject
from mimic_mm.export.warehouse import connect
from mimic_mm.haim_patient import KEY_FILE, Patient_ICU, sample_path
from mimic_mm.private_fs import FILE_MODE

log = logging.getLogger("mimic_mm.export.haim")

COHORTS = relations.HAIM_COHORTS
MANIFEST = "haim_export.json"
ERRORS_FILE = "haim_errors.csv"
# `sha256sum -c` format, one line per pickle written, sorted by path: written as each task finishes, checked
# on resume (a pickle whose bytes differ is rewritten) and by verify.
CHECKSUMS_FILE = "haim_checksums.sha256"
RECORDS_LOCK = ".haim_records.lock"  # serialises updates of the two files above across shards and runs
ERROR_COLUMNS = ("haim_id", "subject_id", "hadm_id", "stay_id", "dicom_id", "problem")
FORMAT = 2  # bump when the pickle content changes, so old exports are not mixed with new ones


@dataclass(frozen=True)
class Options:
    db: Path
    out: Path
    cohort: str = "default"
    window: Window = field(default_factory=Window)
    images: bool = True
    fast_images: bool = False  # PIL draft decode (--fast-images), not HAIM's OpenCV one: other pixels
    force: bool = False
    fsync: bool = True
    batch_size: int = 65_536
    memory_limit: str = "1GB"
    threads: int = 1
    # relation → integer/boolean columns holding a NULL somewhere in the relation (see columns_with_nulls)
    with_nulls: dict[str, frozenset[str]] = field(default_factory=dict)
    sql: dict[str, str] = field(default_factory=dict)  # relation → stream query template (plan_queries)


@dataclass
class Totals:
    stays: int = 0
    subjects: int = 0
    rows: Counter = field(default_factory=Counter)
    images: int = 0
    bytes: int = 0
    errors: list[tuple] = field(default_factory=list)
    checksums: dict[int, str] = field(default_factory=dict)  # haim_id → sha256 of the pickle written

    def add(self, other: Totals) -> None:
        self.stays += other.stays
        self.subjects += other.subjects
        self.rows.update(other.rows)
        self.images += other.images
        self.bytes += other.bytes
        self.errors.extend(other.errors)
        self.checksums.update(other.checksums)


# --- planning ---------------------------------------------------------------------------------------------


def read_samples(con: duckdb.DuckDBPyConnection, cohort: str) -> pd.DataFrame:
    """The cohort's samples (haim_id, subject_id, hadm_id, stay_id) as int64, ordered by haim_id."""
    sql = f"SELECT haim_id, subject_id, hadm_id, stay_id FROM {COHORTS[cohort]} ORDER BY haim_id"
    rows = con.sql(sql).fetchall()
    return pd.DataFrame(rows, columns=list(ERROR_COLUMNS[:4]), dtype="int64")


def samples_digest(samples: pd.DataFrame) -> str:
    """Fingerprint of the sample list: a re-run into the same folder must number stays the same way."""
    return hashlib.sha256(samples.to_numpy(dtype="int64").tobytes()).hexdigest()


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def is_complete(path: Path, recorded: str | None) -> bool:
    """A pickle counts as done only when its bytes hash to the checksum recorded when it was written: a file
    damaged anywhere (not only truncated), or written by a run killed before recording it, is rewritten."""
    if recorded is None:
        return False
    try:
        return file_sha256(path) == recorded
    except OSError:
        return False


def checksum_line(haim_id: int, digest: str) -> str:
    return f"{digest}  {sample_path('', haim_id).as_posix()}\n"


def read_checksums(out: Path) -> dict[int, str]:
    """haim_id → recorded sha256, from CHECKSUMS_FILE (empty when absent)."""
    path = out / CHECKSUMS_FILE
    found: dict[int, str] = {}
    if not path.is_file():
        return found
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            digest, sep, name = line.rstrip("\n").partition("  ")
            stem = Path(name).stem
            if not sep or len(digest) != 64 or not stem.isdigit():
                raise ValueError(f"{path}, line {lineno}: not a `sha256  path` line")
            found[int(stem)] = digest
    return found


def write_checksums(out: Path, checksums: dict[int, str], fsync: bool) -> None:
    with atomic_file(out / CHECKSUMS_FILE, fsync=fsync) as tmp, open(tmp, "w", encoding="utf-8") as fh:
        fh.writelines(checksum_line(h, checksums[h]) for h in sorted(checksums))


def image_decode(opts: Options) -> str | None:
    """How `imcxr` was decoded, for the manifest: pickles of two modes never share a folder. None without
    images, which is also what a manifest written before this key existed gives."""
    if not opts.images:
        return None
    return "pil-draft-bilinear" if opts.fast_images else "opencv-imread-resize"


def manifest_for(opts: Options, samples: pd.DataFrame) -> dict:
    return {
        "format": FORMAT,
        "cohort": opts.cohort,
        "start_hour": opts.window.start_hour,
        "end_hour": opts.window.end_hour,
        "images": opts.images,
        "image_decode": image_decode(opts),
        "samples": len(samples),
        "samples_sha256": samples_digest(samples),
    }


def check_manifest(out: Path, wanted: dict, force: bool) -> None:
    path = out / MANIFEST
    if not path.is_file() or force:
        return
    have = json.loads(path.read_text(encoding="utf-8"))
    diff = sorted(k for k in wanted if have.get(k) != wanted[k])
    if diff:
        raise RuntimeError(
            f"{out} holds an export made with other settings or another sample list ({', '.join(diff)} "
            f"differ, see {path}); use --force to rebuild it or choose another --out"
        )


def write_json(path: Path, data: dict, fsync: bool) -> None:
    with atomic_file(path, fsync=fsync) as tmp:
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def write_key_file(out: Path, samples: pd.DataFrame, fsync: bool) -> Path:
    path = out / KEY_FILE
    with atomic_file(path, fsync=fsync) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ERROR_COLUMNS[:4])
        w.writerows(samples.itertuples(index=False, name=None))
    return path


def errors_path(out: Path, part: str | None = None) -> Path:
    """The one errors file of an export folder: every run and every shard adds to it (`part` is ignored; it
    is kept for callers written when each shard had its own file)."""
    return out / ERRORS_FILE


def _read_error_rows(path: Path, redone: set[int]) -> list[tuple]:
    kept: list[tuple] = []
    if path.is_file():
        with open(path, newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if int(row["haim_id"]) not in redone:
                    kept.append(tuple(row[c] for c in ERROR_COLUMNS))
    return kept


def write_errors(path: Path, new: list[tuple], redone: set[int], fsync: bool) -> int:
    """Rows of this run plus the earlier rows of samples this run did not rewrite, sorted so that the file
    is the same whatever order the work ran in; returns the row count."""
    kept = _read_error_rows(path, redone)
    # files of older versions, one per shard: folded into the one file
    legacy = sorted(p for p in path.parent.glob("haim_errors.*.csv") if p != path)
    for old in legacy:
        kept += _read_error_rows(old, redone)
    rows = sorted({tuple(str(x) for x in r) for r in new} | set(kept), key=lambda r: (int(r[0]), r[4], r[5]))
    for old in legacy:
        old.unlink(missing_ok=True)
    if not rows:
        path.unlink(missing_ok=True)
        return 0
    with atomic_file(path, fsync=fsync) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(ERROR_COLUMNS)
        w.writerows(rows)
    return len(rows)


def plan_tasks(todo: pd.DataFrame, chunk_subjects: int) -> list[list[tuple[int, int, int, int]]]:
    """Contiguous runs of at most `chunk_subjects` subjects, each a list of (haim_id, subject, hadm, stay)."""
    tasks: list[list[tuple[int, int, int, int]]] = []
    subjects = todo["subject_id"].drop_duplicates().to_numpy()
    rows = list(todo.sort_values(["subject_id", "haim_id"]).itertuples(index=False, name=None))
    i = 0
    for start in range(0, len(subjects), max(1, chunk_subjects)):
        last = subjects[min(start + chunk_subjects, len(subjects)) - 1]
        chunk = []
        while i < len(rows) and rows[i][1] <= last:
            chunk.append(rows[i])
            i += 1
        tasks.append(chunk)
    return tasks


def plan_queries(opts: Options) -> Options:
    """Stream query templates and NULL-holding columns, worked out once for every worker task."""
    con = connect(opts.db)
    try:
        rels = streamed_relations()
        with_nulls = {rel: frozenset(columns_with_nulls(con, rel, a)) for rel, a in rels.items()}
        sql = {rel: relation_sql(con, rel, a) for rel, a in rels.items()}
    finally:
        con.close()
    return dataclasses.replace(opts, with_nulls=with_nulls, sql=sql)


# --- work (runs in worker processes) ---------------------------------------------------------------------


def _frame_stream(con: duckdb.DuckDBPyConnection, sql: str, opts: Options, name: str) -> SubjectStream:
    convert = functools.partial(to_pandas, with_nulls=opts.with_nulls.get(name, frozenset()))
    return SubjectStream(
        con, sql, opts.batch_size, name, convert=convert, slice=slice_frame, concat=concat_frames
    )


def export_task(
    opts: Options, samples: list[tuple[int, int, int, int]], report: Callable[[int], None]
) -> Totals:
    """Export the given samples (contiguous subjects): one ordered stream per relation, merged by subject."""
    totals = Totals()
    if not samples:
        return totals
    subjects = sorted({s[1] for s in samples})
    tmpdir = tempfile.mkdtemp(prefix="haim-duckdb-")
    con = connect(opts.db, threads=opts.threads, memory_limit=opts.memory_limit, temp_directory=tmpdir)
    try:
        ids = pa.table({"subject_id": pa.array(subjects, pa.int64())})
        streams: dict[str, SubjectStream] = {}
        empty: dict[str, pd.DataFrame] = {}
        for rel in streamed_relations():
            cur = con.cursor()  # a DuckDB connection streams one result at a time
            cur.register(SUBJECTS_VIEW, ids)
            streams[rel] = _frame_stream(cur, bind_range(opts.sql[rel], subjects[0], subjects[-1]), opts, rel)
            empty[rel] = streams[rel].empty()
        for a in attributes():
            if a.kind == "empty":
                empty[a.relations[0]] = empty.get(a.relations[0], pd.DataFrame()).iloc[0:0]
        assembler = SubjectAssembler(opts.window, opts.images, empty, fast_images=opts.fast_images)
        by_subject: dict[int, list[Stay]] = {}
        for haim_id, sid, hadm, stay in samples:
            by_subject.setdefault(sid, []).append(Stay(haim_id, sid, hadm, stay))
        for sid, frames in merge_by_subject(streams, subjects):
            for built in assembler.build(frames, by_subject[sid]):
                size, digest = write_pickle(opts, built.stay.haim_id, built.patient)
                totals.bytes += size
                totals.checksums[built.stay.haim_id] = digest
                totals.stays += 1
                totals.rows.update(built.rows)
                totals.images += built.images
                s = built.stay
                totals.errors += [
                    (s.haim_id, s.subject_id, s.hadm_id, s.stay_id, d, p) for d, p in built.errors
                ]
                report(1)
            totals.subjects += 1
    finally:
        con.close()
        shutil.rmtree(tmpdir, ignore_errors=True)
    return totals


def write_pickle(opts: Options, haim_id: int, patient: Patient_ICU) -> tuple[int, str]:
    """Write one sample; returns its size and the sha256 of the bytes renamed into place."""
    path = sample_path(opts.out, haim_id)
    with atomic_file(path, fsync=opts.fsync) as tmp:
        with open(tmp, "wb") as fh:
            # Public constructors only (loads with numpy 1.x/pandas 1.x too); equal values are written once
            # whatever Python object holds them, so bytes do not depend on Arrow batch or chunk boundaries.
            dump_portable(patient, fh)
            size = fh.tell()
        digest = file_sha256(tmp)
    return size, digest


_WORKER: dict = {}


def _init_worker(progress: mp.Queue) -> None:
    _WORKER["progress"] = progress


def _run_task(args: tuple[Options, list[tuple[int, int, int, int]]]) -> Totals:
    opts, samples = args
    q = _WORKER["progress"]
    pending = [0]

    def report(n: int) -> None:  # batch the messages: one queue put per 20 stays
        pending[0] += n
        if pending[0] >= 20:
            q.put(pending[0])
            pending[0] = 0

    totals = export_task(opts, samples, report)
    if pending[0]:
        q.put(pending[0])
    return totals


@contextlib.contextmanager
def records_lock(out: Path) -> Iterator[None]:
    """Exclusive lock for a read-modify-write of the checksums and errors files: shards of one export write
    into one folder side by side and share those files."""
    fd = os.open(out / RECORDS_LOCK, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def record_task(opts: Options, done: Totals, redone: set[int]) -> None:
    """Add a finished task's checksums and image problems to the folder's files (earlier rows of the samples
    it rewrote are replaced). Called after every task, so a run killed later keeps what it finished."""
    with records_lock(opts.out):
        # errors first: a run killed between the two writes has not recorded the checksums yet, so the
        # samples are rewritten on resume and their error rows replaced; the other order would lose them
        write_errors(errors_path(opts.out), done.errors, redone, opts.fsync)
        checksums = read_checksums(opts.out)
        for h in redone:
            checksums.pop(h, None)
        checksums.update(done.checksums)
        write_checksums(opts.out, checksums, opts.fsync)


def run_tasks(
    opts: Options, tasks: list[list[tuple[int, int, int, int]]], workers: int, report: Callable[[int], None]
) -> Totals:
    """Run the tasks in this process (1 worker) or over a spawn pool, forwarding progress as stays finish and
    recording each task's checksums and errors as it ends."""
    totals = Totals()
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            done = export_task(opts, task, report)
            record_task(opts, done, {t[0] for t in task})
            totals.add(done)
        return totals
    ctx = mp.get_context("spawn")  # no DuckDB state inherited through fork
    progress: mp.Queue = ctx.Queue()
    with ctx.Pool(min(workers, len(tasks)), initializer=_init_worker, initargs=(progress,)) as pool:
        results = pool.imap_unordered(_run_task, [(opts, t) for t in tasks])
        finished = 0
        it: Iterator[Totals] = iter(results)
        while finished < len(tasks):
            try:
                result: Totals = it.next(timeout=0.2)  # type: ignore[attr-defined]
            except mp.TimeoutError:
                pass
            else:
                record_task(opts, result, set(result.checksums) | {int(e[0]) for e in result.errors})
                totals.add(result)
                finished += 1
            while True:
                try:
                    report(progress.get_nowait())
                except queue.Empty:
                    break
        while True:
            try:
                report(progress.get(timeout=0.1))
            except queue.Empty:
                break
    return totals


# --- the whole export --------------------------------------------------------------------------------------


@dataclass
class Result:
    totals: Totals
    selected: int
    skipped: int
    seconds: float
    errors_file: Path | None
    error_rows: int


def run_export(
    opts: Options,
    samples: pd.DataFrame,
    chosen_subjects: list[int],
    workers: int,
    chunk_subjects: int,
    part: str | None,
    progress: Callable[[int], Callable[[int], None]],
) -> Result:
    """Export the stays of `chosen_subjects` (the caller holds the ExportLock on opts.out)."""
    started = time.perf_counter()
    removed = remove_stale_temps(opts.out)
    if removed:
        log.info("removed %d temporary files left by an interrupted run", removed)
    wanted = manifest_for(opts, samples)
    check_manifest(opts.out, wanted, opts.force)
    write_key_file(opts.out, samples, opts.fsync)
    write_json(opts.out / MANIFEST, wanted, opts.fsync)
    selected = samples[samples["subject_id"].isin(set(chosen_subjects))]
    if opts.force:
        todo = selected
    else:
        with records_lock(opts.out):
            recorded = read_checksums(opts.out)
        done = [is_complete(sample_path(opts.out, int(h)), recorded.get(int(h))) for h in selected["haim_id"]]
        todo = selected[[not d for d in done]]
    skipped = len(selected) - len(todo)
    log.info("%d stays selected, %d already complete, %d to write", len(selected), skipped, len(todo))
    if len(todo):
        opts = plan_queries(opts)
    report = progress(len(todo))
    tasks = plan_tasks(todo, chunk_subjects)
    totals = run_tasks(opts, tasks, workers, report)
    epath = errors_path(opts.out)
    with records_lock(opts.out):
        # also folds the per-shard files of older versions into the one file when nothing was left to do
        error_rows = write_errors(epath, [], set(), opts.fsync)
    return Result(
        totals,
        len(selected),
        skipped,
        time.perf_counter() - started,
        epath if error_rows else None,
        error_rows,
    )
