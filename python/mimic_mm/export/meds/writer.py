"""Write marts.meds_events as a MEDS dataset, one shard at a time.

Each shard is one DuckDB query over the mart: the query keeps to the shard's subject range (row groups whose
subject_ids lie outside it are skipped by their min/max, and the sources are mostly stored by subject), sorts
the shard's rows by time and streams them as Arrow batches into a Parquet writer, so memory stays bounded by
DuckDB's --memory-limit plus one batch. Files are written with pyarrow rather than DuckDB's COPY because MEDS
wants `text_value` as a large_string, a type only an Arrow schema stored in the file can carry.

The dataset is built in a work folder beside OUT (`.OUT.meds-partial`), each shard under a temporary name then
renamed, so a shard is either complete or absent; the work folder records the fingerprint of the warehouse and
the settings, so a re-run with the same ones keeps the finished shards and a re-run with others starts over.
When every file is written the work folder replaces OUT in one rename.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from mimic_mm.atomic_fs import atomic_file, remove_stale_temps, temp_name
from mimic_mm.export import relations
from mimic_mm.export.atomic import LOCK_NAME, ExportLock
from mimic_mm.export.meds import layout
from mimic_mm.export.mimic_eye.fingerprint import fingerprint, read_json, warehouse_identity
from mimic_mm.export.progress import Summary, human_bytes, progress_bar
from mimic_mm.export.warehouse import check_lake_unchanged, connect, require_relations
from mimic_mm.private_fs import DIR_MODE, FILE_MODE, make_private_dirs

log = logging.getLogger("mimic_mm.export.meds")
BATCH_ROWS = 65_536
PARTIAL_SUFFIX = ".meds-partial"
SHARD_TABLE = "meds_export_shard_subjects"


@dataclass(frozen=True)
class Written:
    out: Path
    subjects: int
    shards: int
    shards_kept: int
    rows: int
    codes: int
    bytes: int
    seconds: float
    by_split: dict[str, int]


def work_dir(out: Path) -> Path:
    return out.with_name(f".{out.name}{PARTIAL_SUFFIX}")


def warehouse_doc(con: duckdb.DuckDBPyConnection, db: Path) -> dict[str, Any]:
    """What the warehouse is: its file and the lake build it records (lake_lineage)."""
    row = con.execute(
        f"SELECT lake_root, manifest_sha256, CAST(built_at AS VARCHAR) FROM {relations.LAKE_LINEAGE}"
    ).fetchall()
    lake_root, manifest_sha, built_at = row[0] if row else (None, None, None)
    return {**warehouse_identity(db), "lake_root": lake_root, "lake_manifest_sha256": manifest_sha,
            "built_at": built_at}  # fmt: skip


def release_names(lake_root: str | None) -> list[str]:
    """The releases the lake was converted from (its manifest), for dataset.json's dataset_version."""
    if not lake_root:
        return []
    doc = read_json(Path(lake_root) / "_manifest.json") or {}
    releases = doc.get("releases") or {}
    return sorted(str(r["release"]) for r in releases.values() if isinstance(r, dict) and r.get("release"))


def etl_version() -> str:
    try:
        return metadata.version("mimic-multimodal")
    except metadata.PackageNotFoundError:
        return "unknown"


def dataset_doc(releases: list[str]) -> dict[str, Any]:
    """metadata/dataset.json (MEDS 0.4 DatasetMetadataSchema)."""
    return {
        "dataset_name": "MIMIC-IV multimodal (MIMIC-IV, -ED, -Note, MIMIC-CXR-JPG, REFLACX)",
        "dataset_version": "+".join(releases) or "unknown",
        "etl_name": "mimic-multimodal",
        "etl_version": etl_version(),
        "meds_version": layout.MEDS_VERSION,
        "created_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds"),
        "license": "PhysioNet Credentialed Health Data License 1.5.0",
        "raw_source_id_columns": list(layout.ID_COLUMNS),
        "additional_value_modality_columns": list(layout.VALUE_MODALITY_COLUMNS),
    }


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _write_table(path: Path, table: pa.Table) -> None:
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def _batches(con: duckdb.DuckDBPyConnection, sql: str) -> Iterator[pa.RecordBatch]:
    yield from con.sql(sql).to_arrow_reader(BATCH_ROWS)


def shard_query(shard: layout.Shard, key: int) -> str:
    cols = ", ".join(layout.data_columns())
    lo, hi = shard.subjects[0], shard.subjects[-1]
    return (
        f"SELECT {cols} FROM {layout.EVENTS} WHERE subject_id BETWEEN {lo} AND {hi} "
        f"AND subject_id IN (SELECT subject_id FROM {SHARD_TABLE} WHERE shard_key = {key}) "
        f"ORDER BY {layout.ORDER}"
    )


def write_shard(con: duckdb.DuckDBPyConnection, shard: layout.Shard, key: int, path: Path) -> int:
    """One shard file; returns its row count."""
    rows = 0
    make_private_dirs(path.parent)
    with atomic_file(path) as tmp, pq.ParquetWriter(tmp, layout.DATA_SCHEMA, compression="zstd") as writer:
        for batch in _batches(con, shard_query(shard, key)):
            if batch.num_rows:
                writer.write_table(pa.Table.from_batches([batch]).cast(layout.DATA_SCHEMA))
                rows += batch.num_rows
    return rows


def codes_table(con: duckdb.DuckDBPyConnection) -> pa.Table:
    table = con.sql(
        f"SELECT code, description, CASE WHEN parent_code IS NULL THEN []::VARCHAR[] ELSE [parent_code] END "
        f"AS parent_codes FROM {layout.CODES} ORDER BY code"
    ).to_arrow_table()
    return table.cast(layout.CODES_SCHEMA)


def splits_table(shards: list[layout.Shard]) -> pa.Table:
    ids = [sid for shard in shards for sid in shard.subjects]
    names = [shard.split for shard in shards for _ in shard.subjects]
    order = sorted(range(len(ids)), key=ids.__getitem__)
    return pa.table(
        {"subject_id": [ids[i] for i in order], "split": [names[i] for i in order]},
        schema=layout.SPLITS_SCHEMA,
    )


def _reset(work: Path) -> None:
    """Empty the work folder (a run with other inputs or settings left it), keeping the held lock file."""
    for child in work.iterdir():
        if child.name == LOCK_NAME:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _publish(work: Path, out: Path) -> None:
    """Rename the complete work folder to `out`, replacing a previous dataset there."""
    old = None
    if out.exists() or out.is_symlink():
        old = temp_name(out)
        os.replace(out, old)
    try:
        os.replace(work, out)
    except BaseException:
        if old is not None:
            os.replace(old, out)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write(
    db: Path, out: Path, subjects_per_shard: int, threads: int | None = None, memory_limit: str | None = "2GB"
) -> Written:
    started = time.perf_counter()
    out = Path(out)
    if subjects_per_shard < 1:
        raise ValueError("--subjects-per-shard must be ≥ 1")
    make_private_dirs(out.parent)
    work = work_dir(out)
    make_private_dirs(work)
    os.chmod(work, DIR_MODE)
    spill = temp_name(out.parent / "meds-duckdb-spill")
    con = connect(db, threads=threads, memory_limit=memory_limit, temp_directory=spill)
    try:
        check_lake_unchanged(con)
        require_relations(con, relations.meds_relations())
        settings = {
            "subjects_per_shard": subjects_per_shard,
            "meds_version": layout.MEDS_VERSION,
            "format": 1,
        }
        warehouse = warehouse_doc(con, db)
        print_fp = fingerprint({"settings": settings, "warehouse": warehouse})
        with ExportLock(work):
            manifest = read_json(work / layout.MANIFEST)
            if manifest is None or manifest.get("fingerprint") != print_fp:
                if manifest is not None:
                    log.info("the unfinished export in %s has other inputs or settings: starting over", work)
                _reset(work)
            removed = remove_stale_temps(work)
            if removed:
                log.info("removed %d temporary files an interrupted run left in %s", removed, work)
            doc: dict[str, Any] = {"fingerprint": print_fp, "settings": settings, "warehouse": warehouse,
                                   "complete": False}  # fmt: skip
            _write_json(work / layout.MANIFEST, doc)

            subject_ids = [
                r[0] for r in con.execute(f"SELECT DISTINCT subject_id FROM {layout.EVENTS}").fetchall()
            ]
            shards = layout.plan_shards(subject_ids, subjects_per_shard)
            keys = pa.table({
                "subject_id": pa.array([s for shard in shards for s in shard.subjects], pa.int64()),
                "shard_key": pa.array(
                    [k for k, shard in enumerate(shards) for _ in shard.subjects], pa.int64()
                ),
            })  # fmt: skip
            con.register(SHARD_TABLE, keys)
            log.info(
                "%d subjects in %d shards of ≤ %d → %s",
                len(subject_ids),
                len(shards),
                subjects_per_shard,
                out,
            )

            rows, kept = 0, 0
            by_split: dict[str, int] = {}
            bar = progress_bar(total=len(shards), desc="MEDS shards", unit="shard")
            for key, shard in enumerate(shards):
                path = work / shard.path
                if path.is_file():
                    n = pq.ParquetFile(path).metadata.num_rows
                    kept += 1
                else:
                    n = write_shard(con, shard, key, path)
                rows += n
                by_split[shard.split] = by_split.get(shard.split, 0) + 1
                bar.update(1)
            bar.close()

            codes = codes_table(con)
            _write_table(work / layout.CODES_FILE, codes)
            _write_table(work / layout.SPLITS_FILE, splits_table(shards))
            _write_json(work / layout.DATASET_FILE, dataset_doc(release_names(warehouse.get("lake_root"))))
            doc.update(complete=True, subjects=len(subject_ids), shards=len(shards), rows=rows,
                       codes=codes.num_rows, shards_by_split=by_split)  # fmt: skip
            _write_json(work / layout.MANIFEST, doc)
            for root, dirs, files in os.walk(work):
                for name in dirs:
                    os.chmod(Path(root, name), DIR_MODE)
                for name in files:
                    os.chmod(Path(root, name), FILE_MODE)
            _publish(work, out)
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return Written(out, len(subject_ids), len(shards), kept, rows, codes.num_rows, size,
                   time.perf_counter() - started, by_split)  # fmt: skip


def main(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise ValueError("--workers must be ≥ 1")
    w = write(args.warehouse, args.out, args.subjects_per_shard, args.workers, args.memory_limit)
    summary = Summary(f"MEDS export → {w.out}")
    summary.add("subjects", w.subjects)
    for split, n in w.by_split.items():
        summary.add(f"shards {split}", n)
    summary.add("shards kept from an earlier run", w.shards_kept)
    summary.add("events (rows)", w.rows)
    summary.add("codes", w.codes)
    summary.add("bytes written", human_bytes(w.bytes))
    summary.add("seconds", round(w.seconds, 1))
    summary.print()
    return 0
