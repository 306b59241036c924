"""One builder per kind of source: CSV release tables, REFLACX per-case files, transcripts, file inventories.

Every builder writes the lake table with a DuckDB `COPY ... TO tmp (FORMAT parquet)` and returns the raw row
count it measured independently of DuckDB plus the fingerprint of its sources (for the manifest and re-runs).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb
import pyarrow as pa

from mimic_mm.convert.detect import header_problem
from mimic_mm.convert.errors import ConvertError
from mimic_mm.convert.freetext import shape
from mimic_mm.convert.inflated_fs import InflatedStream, SizeGuessWrong, attach
from mimic_mm.convert.plan import Part, Task
from mimic_mm.convert.rawfile import RawScan, RecordCounter, Shape, is_gzip, line_of_record, scan, sha256_file
from mimic_mm.convert.sql import (
    bad_value_message,
    cast,
    duckdb_csv_error,
    first_bad_value,
    raw_name,
    read_types,
    typed_select,
)
from mimic_mm.identifiers import eye_gaze_dicom, inside, reflacx_case
from mimic_mm.sql_quote import quote_ident, quote_string

BATCH_ROWS = 65536
log = logging.getLogger(__name__)


@dataclass
class Built:
    raw_rows: int
    sources: list[dict]


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, objects: dict[str, object]) -> Iterator[None]:
    """Arrow data visible to SQL under a name for the duration of a block (connections are reused)."""
    for name, obj in objects.items():
        con.register(name, obj)
    try:
        yield
    finally:
        for name in objects:
            con.unregister(name)


def copy_to(con: duckdb.DuckDBPyConnection, select: str, out: Path) -> None:
    # No bloom filters: they cost about a tenth of the conversion time, and the lake is read by range scans.
    # Format v2 (delta and byte-stream-split encodings): files about a quarter smaller, and written faster.
    con.execute(
        f"COPY ({select}) TO {quote_string(str(out))}"
        " (FORMAT parquet, PARQUET_VERSION v2, WRITE_BLOOM_FILTER false)"
    )


# ---------------------------------------------------------------- CSV release tables (one file per part)


def _read_csv_sql(source: str | Path, part: Part, types: list[str] | None = None) -> str:
    """read_csv of one part, columns `c0..cn` parsed as `types` (default: all text)."""
    types = types or ["VARCHAR"] * len(part.rt.columns)
    cols = ", ".join(f"{quote_string(raw_name(i))}: {quote_string(t)}" for i, t in enumerate(types))
    return (
        f"read_csv({quote_string(str(source))}, header=true, columns={{{cols}}}, auto_detect=false,"
        " delim=',', quote='\"', escape='\"', strict_mode=true, null_padding=false, parallel=false)"
    )


def _csv_consts(task: Task, part: Part) -> dict[str, str]:
    consts = dict(part.consts)
    if "row_index" in dict(task.schema):
        # One thread reads the file front to back (parallel=false), so this numbers rows in line order.
        consts["row_index"] = "CAST(row_number() OVER () - 1 AS BIGINT)"
    return consts


def build_csv(task: Task, con: duckdb.DuckDBPyConnection, out: Path) -> Built:
    paths: list[Path] = []
    for p in task.parts:
        if p.path is None:
            raise ConvertError(f"{task.key}: no source file")
        paths.append(p.path)
    try:
        scans = _copy_csv(task, con, out, paths, measure=False)
    except SizeGuessWrong as why:
        log.info("%s: %s; converting again at the measured size", task.key, why)
        try:
            scans = _copy_csv(task, con, out, paths, measure=True)
        except SizeGuessWrong as again:
            raise ConvertError(f"{task.key}: {again} (the file changed while it was converted)") from None
    return Built(
        sum(sc.records - 1 for sc in scans),  # an empty file is refused: at least the header
        [
            {"path": str(path), "bytes": path.stat().st_size, "sha256": sc.sha256}
            for path, sc in zip(paths, scans, strict=True)
        ],
    )


def _copy_csv(
    task: Task, con: duckdb.DuckDBPyConnection, out: Path, paths: list[Path], measure: bool
) -> list[RawScan]:
    """One COPY of every part into `out`; the checksum and independent record count of each part.

    Gzip parts are inflated once, while DuckDB reads them, at a worked-out size where that is safe
    (`inflated_fs`); `measure` asks for a full measuring pass first. Plain CSV parts are read by DuckDB
    directly and scanned beforehand.
    """
    fs = attach(con)
    with ExitStack() as stack:
        sources: list[str] = []
        streams: list[InflatedStream | None] = []
        shapes = [shape(path, p.rt) for path, p in zip(paths, task.parts, strict=True)]
        for path, checks in zip(paths, shapes, strict=True):
            if is_gzip(path):
                size = scan(path).data_bytes if measure else None
                url, stream = stack.enter_context(fs.serve(path, size, checks))
                sources.append(url)
                streams.append(stream)
            else:
                sources.append(str(path))
                streams.append(None)
        plain = {k: scan(path, shapes[k]) for k, path in enumerate(paths) if streams[k] is None}
        selects = [
            typed_select(
                p.rt, task.schema, _read_csv_sql(src, p, read_types(p.rt, task.schema)), _csv_consts(task, p)
            )
            for p, src in zip(task.parts, sources, strict=True)
        ]
        try:
            copy_to(con, " UNION ALL ".join(selects), out)
        except duckdb.Error as exc:
            for served in filter(None, streams):
                if served.error is not None:
                    raise served.error from None
                if served.size_wrong():
                    # The data ended early (DuckDB's read failed), or the size cut the last record in two.
                    raise SizeGuessWrong(f"{served.path}: worked-out size {served.size:,} is wrong") from None
            k = next((k for k, src in enumerate(sources) if src in str(exc)), 0)
            raise _explain_csv_failure(task, task.parts[k], con, exc) from None
        return [plain[k] if served is None else served.finish() for k, served in enumerate(streams)]


def _explain_csv_failure(
    task: Task, part: Part, con: duckdb.DuckDBPyConnection, exc: Exception
) -> ConvertError:
    path = part.path
    assert path is not None
    msg, located = duckdb_csv_error(path, part.rt, exc, lambda record: line_of_record(path, record))
    if located:
        return ConvertError(f"{task.key}: {msg}")
    # DuckDB did not say where: find the first value that does not cast, reading the file again.
    source = f"(SELECT row_number() OVER () AS _rn, * FROM {_read_csv_sql(path, part)})"
    try:
        bad = first_bad_value(con, part.rt, task.schema, source, ["_rn"])
    except duckdb.Error:
        bad = None
    if bad is None:
        return ConvertError(f"{task.key}: {msg}")
    (record,), column, value, type_ = bad
    line = line_of_record(path, record)
    return ConvertError(f"{task.key}: {path}: " + bad_value_message(line, column, value, type_))


def diagnose_count_mismatch(task: Task) -> None:
    """After the rows DuckDB wrote and the raw records disagree: raise the ConvertError naming the line
    that explains it, if the checks the conversion pass leaves out (blank lines) find one."""
    if task.builder != "csv":
        return
    for part in task.parts:
        if part.path is not None:
            scan(part.path, replace(shape(part.path, part.rt), blank_lines=True))


def csv_fingerprint(task: Task) -> list[dict]:
    return [
        {"path": str(p.path), "bytes": p.path.stat().st_size, "sha256": sha256_file(p.path)}
        for p in task.parts
        if p.path is not None
    ]


# ---------------------------------------------------------------- REFLACX per-case files (main_data/<id>/...)


def reflacx_cases(task: Task) -> list[tuple[str, int]]:
    """(id, phase) of every case, from the phase metadata files, in file order. An id that is not of the
    published form never becomes a path: it is added to `task.rejected` and skipped."""
    assert task.found is not None
    cases = []
    for name, path in sorted(task.found.files.items()):
        if not name.startswith("metadata_phase_"):
            continue
        phase = int(name.rsplit("_", 1)[1])
        with open(path, encoding="utf-8-sig", newline="") as f:
            for row in csv.DictReader(f):
                if reflacx_case(row["id"]):
                    cases.append((row["id"], phase))
                else:
                    task.rejected.add(row["id"])
    return cases


def _case_path(task: Task, template: str, **ids: str) -> Path | None:
    """The per-case file for `ids`, or None (and the id rejected) if it resolves outside the release."""
    assert task.found is not None
    path = task.found.root / template.format(**ids)
    if inside(task.found.root, path):
        return path
    task.rejected.update(f"{v} (outside the release root)" for v in ids.values())
    return None


def _case_files(task: Task, part: Part) -> list[tuple[Path, str, int]]:
    assert task.found is not None
    phases = (
        {int(d) for d in part.rt.table.split("_phase_")[1].split("_")} if "_phase_" in part.rt.table else None
    )
    out = []
    for case_id, phase in reflacx_cases(task):
        if phases is not None and phase not in phases:
            continue
        path = _case_path(task, part.rt.path, id=case_id)
        if path is not None and path.is_file():  # discarded cases have no gaze, fixations or transcription
            out.append((path, case_id, phase))
    return out


def _arrow_schema(n: int) -> pa.Schema:
    fields = [("_file", pa.int32()), ("_line", pa.int64()), ("_id", pa.string()), ("_phase", pa.int32())]
    fields += [("_idx", pa.int32())] + [(raw_name(i), pa.string()) for i in range(n)]
    return pa.schema(fields)


class _CaseReader:
    """Streams the rows of many small CSV files as Arrow batches, counting and hashing every file."""

    def __init__(self, task: Task, part: Part, files: list[tuple[Path, str, int]]) -> None:
        self.task, self.part, self.files = task, part, files
        self.raw_rows = 0
        self.digest = hashlib.sha256()
        self.total_bytes = 0
        self.error: ConvertError | None = None

    def batches(self) -> Iterator[pa.RecordBatch]:
        n = len(self.part.rt.columns)
        schema = _arrow_schema(n)
        cols: list[list] = [[] for _ in range(5 + n)]
        path = None
        try:
            for k, (path, case_id, phase) in enumerate(self.files):
                data = path.read_bytes()
                self._account(path, data)
                reader = csv.reader(io.StringIO(data.decode("utf-8-sig")), strict=True)
                header = next(reader, None)
                if header is None:
                    raise ConvertError(f"{path}: file is empty (no header line)")
                if [h.strip().lower() for h in header] != [c.lower() for c in self.part.rt.header]:
                    raise ConvertError(header_problem(path, self.part.rt, header))
                for idx, row in enumerate(reader):
                    if len(row) != n:
                        raise ConvertError(
                            f"{path}: line {reader.line_num}: expected {n} fields, found {len(row)}"
                        )
                    for c, v in zip(cols[:5], (k, reader.line_num, case_id, phase, idx), strict=True):
                        c.append(v)
                    for j, v in enumerate(row):
                        cols[5 + j].append(v if v != "" else None)
                if len(cols[0]) >= BATCH_ROWS:
                    yield pa.RecordBatch.from_arrays(
                        [pa.array(c, t.type) for c, t in zip(cols, schema, strict=True)], schema=schema
                    )
                    cols = [[] for _ in range(5 + n)]
            yield pa.RecordBatch.from_arrays(
                [pa.array(c, t.type) for c, t in zip(cols, schema, strict=True)], schema=schema
            )
        except ConvertError as exc:
            self.error = exc
            raise
        except (csv.Error, UnicodeDecodeError, OSError) as exc:
            self.error = ConvertError(f"{path}: malformed or unreadable CSV ({type(exc).__name__}: {exc})")
            raise self.error from None

    def _account(self, path: Path, data: bytes) -> None:
        counter = RecordCounter(Shape(path))  # per-case files hold no free text
        counter.feed(data)
        if counter.bytes == 0:
            raise ConvertError(f"{path}: file is empty (no header line)")
        self.raw_rows += counter.records - 1
        self.total_bytes += len(data)
        self.digest.update(f"{path.relative_to(self.task.found.root)}\0{len(data)}\0".encode())  # type: ignore[union-attr]
        self.digest.update(hashlib.sha256(data).digest())

    def reader(self) -> pa.RecordBatchReader:
        return pa.RecordBatchReader.from_batches(_arrow_schema(len(self.part.rt.columns)), self.batches())


def build_cases(task: Task, con: duckdb.DuckDBPyConnection, out: Path) -> Built:
    readers = [_CaseReader(task, p, _case_files(task, p)) for p in task.parts]
    selects = []
    consts = {"id": "_id", "phase": "_phase", "row_index": "_idx", "ellipse_index": "_idx"}
    sources = {}
    for k, (r, p) in enumerate(zip(readers, task.parts, strict=True)):
        sources[f"case_src{k}"] = r.reader()
        selects.append(typed_select(p.rt, task.schema, f"case_src{k}", consts) + " ORDER BY _file, _idx")
    try:
        with registered(con, sources):
            copy_to(con, " UNION ALL ".join(f"({s})" for s in selects), out)
    except duckdb.Error as exc:
        for r in readers:
            if r.error:
                raise r.error from None
        raise _explain_case_failure(task, readers, con, exc) from None
    return Built(
        sum(r.raw_rows for r in readers),
        [
            {
                "path": str(r.part.rt.path),
                "files": len(r.files),
                "bytes": r.total_bytes,
                "sha256": r.digest.hexdigest(),
            }
            for r in readers
        ],
    )


def _explain_case_failure(
    task: Task, readers: list[_CaseReader], con: duckdb.DuckDBPyConnection, exc: Exception
) -> ConvertError:
    for r in readers:
        fresh = _CaseReader(task, r.part, r.files)
        try:
            with registered(con, {"case_diag": fresh.reader()}):
                bad = first_bad_value(con, r.part.rt, task.schema, "case_diag", ["_file", "_line"])
        except duckdb.Error:
            bad = None
        if bad is not None:
            (k, line), column, value, type_ = bad
            path = r.files[k][0]
            return ConvertError(f"{task.key}: {path}: " + bad_value_message(line, column, value, type_))
    return ConvertError(f"{task.key}: {str(exc).splitlines()[0]}")


def cases_fingerprint(task: Task) -> list[dict]:
    out = []
    for p in task.parts:
        r = _CaseReader(task, p, _case_files(task, p))
        for path, _, _ in r.files:
            r._account(path, path.read_bytes())
        out.append(
            {"path": p.rt.path, "files": len(r.files), "bytes": r.total_bytes, "sha256": r.digest.hexdigest()}
        )
    return out


# ---------------------------------------------------------------- text and JSON files, file inventories


def _copy_rows(con: duckdb.DuckDBPyConnection, task: Task, rows: dict[str, list], out: Path) -> None:
    """Write Python rows (column -> values) with the lake types: small tables only."""
    table = pa.table({name: pa.array(rows[name], pa.string()) for name, _ in task.schema})
    exprs = ", ".join(
        f"{cast(quote_ident(name), type_)} AS {quote_ident(name)}" for name, type_ in task.schema
    )
    with registered(con, {"rows_src": table}):
        copy_to(con, f"SELECT {exprs} FROM rows_src", out)


def _file_source(paths: list[Path], root: Path) -> dict:
    """Fingerprint of a set of files by name, size and content."""
    digest = hashlib.sha256()
    total = 0
    for path in paths:
        data = path.read_bytes()
        total += len(data)
        digest.update(f"{path.relative_to(root)}\0{len(data)}\0".encode())
        digest.update(hashlib.sha256(data).digest())
    return {"files": len(paths), "bytes": total, "sha256": digest.hexdigest()}


def _transcription_files(task: Task) -> list[tuple[str, Path]]:
    assert task.found is not None
    rt = task.found.tables()["transcription"]
    task.parts = task.parts or [Part(rt, None)]
    paths = ((case_id, _case_path(task, rt.path, id=case_id)) for case_id, _ in reflacx_cases(task))
    return [(case_id, p) for case_id, p in paths if p is not None and p.is_file()]


def build_transcription(task: Task, con: duckdb.DuckDBPyConnection, out: Path) -> Built:
    files = _transcription_files(task)
    rows: dict[str, list] = {"id": [], "text": []}
    for case_id, path in files:
        rows["id"].append(case_id)
        rows["text"].append(path.read_text(encoding="utf-8"))
    _copy_rows(con, task, rows, out)
    assert task.found is not None
    return Built(
        len(files),
        [
            {
                "path": "main_data/{id}/transcription.txt",
                **_file_source([p for _, p in files], task.found.root),
            }
        ],
    )


def _transcript_files(task: Task) -> list[Path]:
    assert task.found is not None
    rt = task.found.tables()["transcript"]
    folder = task.found.root / rt.path.split("{dicom_id}")[0]
    out = []
    for path in sorted(folder.glob("*/" + rt.path.split("{dicom_id}/")[1])):
        dicom_id = path.parent.name
        if not eye_gaze_dicom(dicom_id):
            task.rejected.add(dicom_id)
        elif _case_path(task, rt.path, dicom_id=dicom_id) is not None:
            out.append(path)
    return out


def build_transcripts(task: Task, con: duckdb.DuckDBPyConnection, out: Path) -> Built:
    files = _transcript_files(task)
    rows: dict[str, list] = {name: [] for name, _ in task.schema}
    raw = 0
    for path in files:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            phrases = doc["time_stamped_text"] if task.table == "transcript_phrases" else [doc]
        except (ValueError, KeyError, TypeError) as exc:
            raise ConvertError(
                f"{path}: not a transcript JSON document ({type(exc).__name__}: {exc})"
            ) from None
        raw += len(phrases)
        for i, item in enumerate(phrases):
            values = {"dicom_id": path.parent.name, "phrase_index": i, **item}
            for name, _ in task.schema:
                v = values.get(name)
                rows[name].append(None if v is None else str(v))
    _copy_rows(con, task, rows, out)
    assert task.found is not None
    return Built(
        raw,
        [
            {
                "path": "audio_segmentation_transcripts/{dicom_id}/transcript.json",
                **_file_source(files, task.found.root),
            }
        ],
    )


# Inventories: what folder to walk, which files to list and how to read ids from the relative path.
def _ids_cxr_jpg(rel: Path) -> dict:
    # files/p10/p10000032/s50414267/<dicom_id>.jpg
    return {"subject_id": rel.parts[-3][1:], "study_id": rel.parts[-2][1:], "dicom_id": rel.stem}


def _ids_cxr(rel: Path) -> dict:
    # files/p10/p10000032/s50414267.txt
    return {"subject_id": rel.parts[-2][1:], "study_id": rel.stem[1:]}


def _ids_transcript(rel: Path) -> dict:
    # audio_segmentation_transcripts/<dicom_id>/<file>
    return {"dicom_id": rel.parts[1], "file_name": rel.name}


INVENTORIES: dict[str, tuple[str, Callable[[str], bool], Callable[[Path], dict]]] = {
    "image_files": ("files", lambda n: n.endswith(".jpg"), _ids_cxr_jpg),
    "report_files": ("files", lambda n: n.endswith(".txt"), _ids_cxr),
    "transcript_files": ("audio_segmentation_transcripts", lambda n: not n.startswith("."), _ids_transcript),
}


def _walk(folder: Path, keep: Callable[[str], bool]) -> Iterator[os.DirEntry]:
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as it:
            for entry in it:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif keep(entry.name):
                    yield entry


def _inventory(task: Task) -> tuple[list[dict], dict]:
    assert task.found is not None
    root = task.found.root.resolve()  # resolved once: resolving every file would cost a syscall per part
    folder_name, keep, ids = INVENTORIES[task.table]
    folder = root / folder_name
    entries = sorted(_walk(folder, keep), key=lambda e: e.path) if folder.is_dir() else []
    digest = hashlib.sha256()
    rows = []
    for e in entries:
        if e.is_symlink() and not inside(root, Path(e.path)):
            task.rejected.add(f"{e.path} (a symlink to outside the release root)")
            continue
        rel = Path(e.path).relative_to(root)
        size = e.stat(follow_symlinks=True).st_size
        digest.update(f"{rel}\0{size}\n".encode())
        try:
            row = ids(rel)
            int(row.get("subject_id", 0)), int(row.get("study_id", 0))
        except (IndexError, ValueError):
            raise ConvertError(
                f"{task.key}: {e.path}: file name does not follow the release layout"
            ) from None
        rows.append({**row, "path": str(rel), "abs_path": os.path.join(root, rel), "file_bytes": size})
    # A listing, not the content: hashing every image would read the whole image release.
    return rows, {
        "path": f"{folder_name}/**",
        "files": len(rows),
        "bytes": sum(r["file_bytes"] for r in rows),
        "listing_sha256": digest.hexdigest(),
    }


def build_inventory(task: Task, con: duckdb.DuckDBPyConnection, out: Path) -> Built:
    rows, source = _inventory(task)
    columns = {name: [None if r.get(name) is None else str(r[name]) for r in rows] for name, _ in task.schema}
    _copy_rows(con, task, columns, out)
    return Built(source["files"], [source])


def build_absent(task: Task, con: duckdb.DuckDBPyConnection, out: Path) -> Built:
    exprs = ", ".join(f"CAST(NULL AS {t}) AS {quote_ident(n)}" for n, t in task.schema)
    copy_to(con, f"SELECT {exprs} LIMIT 0", out)
    return Built(0, [])


BUILDERS: dict[str, Callable[[Task, duckdb.DuckDBPyConnection, Path], Built]] = {
    "csv": build_csv,
    "cases": build_cases,
    "transcription": build_transcription,
    "transcripts": build_transcripts,
    "inventory": build_inventory,
    "absent": build_absent,
}


def fingerprint(task: Task) -> list[dict]:
    """The sources of a task as the manifest records them, computed without converting (for re-runs)."""
    if task.builder == "csv":
        return csv_fingerprint(task)
    if task.builder == "cases":
        return cases_fingerprint(task)
    if task.builder == "transcription":
        assert task.found is not None
        return [
            {
                "path": "main_data/{id}/transcription.txt",
                **_file_source([p for _, p in _transcription_files(task)], task.found.root),
            }
        ]
    if task.builder == "transcripts":
        assert task.found is not None
        return [
            {
                "path": "audio_segmentation_transcripts/{dicom_id}/transcript.json",
                **_file_source(_transcript_files(task), task.found.root),
            }
        ]
    if task.builder == "inventory":
        return [_inventory(task)[1]]
    return []
