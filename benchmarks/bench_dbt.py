"""Benchmark `dbt build` (time, peak memory) and SQL stay_id identification against the reference algorithm.

    python benchmarks/bench_dbt.py --workdir /tmp/bench_dbt --subjects 20000     # full run
    python benchmarks/bench_dbt.py --workdir /tmp/bench_dbt --lake /path/to/lake  # an existing lake

The reference algorithm is the MIMIC-Eye notebook's: for each image, filter the ED stays DataFrame by subject
with pandas and test intime < image time < outtime. The SQL side is the compiled stay-identification models
(int_cxr_images_timed -> int_cxr_ed_candidates_paired -> int_cxr_ed_stays_matched) executed in DuckDB on the
same lake. Both must give the same within-stay matches; the SQL must be at least 50 times faster.
"""

from __future__ import annotations

import argparse
import logging
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
from tqdm import tqdm

from mimic_mm.dbt_env import dbt_env
from process_memory import run_measured

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
STAY_MODELS = ("int_cxr_images_timed", "int_cxr_ed_candidates_paired", "int_cxr_ed_stays_matched")
log = logging.getLogger("bench_dbt")


def prepare_lake(workdir: Path, subjects: int, seed: int) -> Path:
    raw, lake = workdir / "raw", workdir / "lake"
    if not (lake / "_manifest.json").exists():
        if not (raw / "ground_truth.json").exists():
            log.info("generating %d subjects into %s", subjects, raw)
            subprocess.run([sys.executable, "-m", "synth", "--out", str(raw), "--subjects", str(subjects),
                            "--seed", str(seed), "--force"], check=True)  # fmt: skip
        log.info("converting into %s", lake)
        subprocess.run([sys.executable, "-m", "convert", str(raw), "--lake", str(lake)], check=True)
    return lake


def reference_stay_ids(lake: Path) -> tuple[float, dict[str, int | None], int]:
    """The notebook's loop: per image, filter edstays by subject with pandas and test the time window."""
    metadata = pd.read_parquet(lake / "cxr_jpg" / "metadata.parquet",
                               columns=["dicom_id", "subject_id", "StudyDate", "StudyTime"])  # fmt: skip
    edstays = pd.read_parquet(
        lake / "ed" / "edstays.parquet", columns=["subject_id", "stay_id", "intime", "outtime"]
    )
    # The correctly padded time, so both sides answer the same question (unpadded is the notebook bug).
    whole = metadata["StudyTime"].astype("int64")
    stamp = metadata["StudyDate"].astype(str) + whole.astype(str).str.zfill(6)
    times = pd.to_datetime(stamp, format="%Y%m%d%H%M%S") + pd.to_timedelta(
        ((metadata["StudyTime"] - whole) * 1e6).round().astype("int64"), unit="us"
    )
    start = time.perf_counter()
    chosen: dict[str, int | None] = {}
    for dicom_id, subject_id, t in tqdm(
        zip(metadata["dicom_id"], metadata["subject_id"], times, strict=True),
        total=len(metadata),
        desc="reference (pandas)",
        file=sys.stderr,
    ):
        stays = edstays[edstays.subject_id == subject_id]
        hits = stays[(stays.intime < t) & (stays.outtime > t)]
        chosen[dicom_id] = int(hits.stay_id.iloc[0]) if len(hits) == 1 else None
    return time.perf_counter() - start, chosen, len(edstays)


def sql_stay_ids(warehouse: Path, target: Path, repeats: int) -> tuple[float, dict[str, int | None]]:
    """Execute the compiled stay-identification models in DuckDB (best of `repeats`), into temp tables."""
    compiled = {m: next((target / "compiled").rglob(f"{m}.sql")).read_text() for m in STAY_MODELS}
    best = float("inf")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set memory_limit = '6GB'")
        for _ in range(repeats):
            sql = {m: compiled[m] for m in STAY_MODELS}
            start = time.perf_counter()
            for model in STAY_MODELS:
                for other in STAY_MODELS:  # point refs at this run's temp tables
                    sql[model] = re.sub(
                        rf'(?:"[^"]+"\.)?"intermediate"\."{other}"', f"bench_{other}", sql[model]
                    )
                con.execute(f"create or replace temp table bench_{model} as {sql[model]}")
            best = min(best, time.perf_counter() - start)
        rows = con.sql("select dicom_id, stay_id from bench_int_cxr_ed_stays_matched").fetchall()
    return best, {d: s for d, s in rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--workdir", type=Path, required=True, help="scratch folder: release, lake, warehouse, dbt target"
    )
    parser.add_argument(
        "--subjects", type=int, default=20000, help="synthetic subjects when no --lake (default 20000)"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed when no --lake (default 1)")
    parser.add_argument("--lake", type=Path, help="use this existing Parquet lake instead of generating one")
    parser.add_argument(
        "--repeats", type=int, default=3, help="runs of the SQL stay identification (best is kept)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)

    args.workdir.mkdir(parents=True, exist_ok=True, mode=0o700)
    lake = (args.lake or prepare_lake(args.workdir, args.subjects, args.seed)).resolve()
    warehouse, target = args.workdir / "warehouse.duckdb", args.workdir / "target"
    for stale in (warehouse, Path(f"{warehouse}.wal")):
        stale.unlink(missing_ok=True)
    shutil.rmtree(target, ignore_errors=True)

    log.info("dbt build on %s", lake)
    build_s, build_peak = run_measured([str(BIN / "dbt"), "build", "--target-path", str(target)],
                                       PROJECT, dbt_env(lake, warehouse))  # fmt: skip
    log.info("reference algorithm")
    ref_s, ref_ids, n_stays = reference_stay_ids(lake)
    log.info("SQL stay identification")
    sql_s, sql_ids = sql_stay_ids(warehouse, target, args.repeats)

    disagree = sum(1 for d, s in ref_ids.items() if sql_ids.get(d) != s)
    ratio = ref_s / sql_s if sql_s else float("inf")
    print(f"lake                         {lake}", file=sys.stderr)
    print(f"images / ED stays            {len(ref_ids):,} / {n_stays:,}", file=sys.stderr)
    print(f"dbt build                    {build_s:8.1f} s   (target < 180 s)", file=sys.stderr)
    print(f"dbt build peak memory        {build_peak / 2**30:8.2f} GB  (target < 8 GB)", file=sys.stderr)
    print(f"reference stay_id (pandas)   {ref_s:8.2f} s", file=sys.stderr)
    print(f"SQL stay_id (DuckDB, best)   {sql_s:8.3f} s", file=sys.stderr)
    print(f"speed-up                     {ratio:8.1f} x   (target >= 50 x)", file=sys.stderr)
    print(f"images whose stay differs    {disagree:,}", file=sys.stderr)
    ok = build_s < 180 and build_peak < 8 * 2**30 and ratio >= 50 and disagree == 0
    print("all targets met" if ok else "TARGET MISSED", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
