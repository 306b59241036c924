"""Benchmark `python -m export haim` against the reference algorithm and against the unavoidable work.

Prints, for one warehouse (built by synth → convert → dbt from a lake):
  * our export: stays/s, seconds per stay, peak memory (RSS summed over the process tree), with and without
    image decoding;
  * (a) the reference algorithm on a sample of stays of the same data: every table whole in pandas, boolean
    filtering of every table per stay, images re-decoded (full size) for every stay, one pickle per stay;
  * (b) the unavoidable work: the same rows read from the lake into pandas in one go per table, then the same
    number of per-stay objects pickled to disk, with no streaming, grouping or checks;
  * ratios, and a projection for the full HAIM cohort (34,500 stays) scaled by chartevents rows per stay
    (MIMIC-IV 2.2: 313,645,063 rows / 73,181 stays).

Example (full scale):
  python -m synth --out /tmp/b20k/raw --subjects 20000 --seed 20
  python -m convert /tmp/b20k/raw --lake /tmp/b20k/lake
  MIMIC_LAKE=/tmp/b20k/lake MIMIC_DUCKDB_PATH=/tmp/b20k/wh.duckdb dbt build
  python benchmarks/bench_export_haim.py --db /tmp/b20k/wh.duckdb --lake /tmp/b20k/lake \
      --scratch /tmp/b20k/bench
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd
import psutil
import pyarrow.dataset as ds

from mimic_mm.cores import available_cpus
from mimic_mm.export.haim.spec import attributes
from mimic_mm.export.progress import Summary, human_bytes
from mimic_mm.export.warehouse import connect
from process_memory import PeakRss

log = logging.getLogger("bench_export_haim")
HAIM_STAYS = 34_500
MIMIC_CHARTEVENTS_PER_STAY = 313_645_063 / 73_181


def lake_path(lake: Path, relation: str) -> Path | None:
    """staging.stg_mimiciv_icu__chartevents → LAKE/icu/chartevents.parquet (the staging views are 1:1)."""
    if not relation.startswith("staging.stg_mimiciv_"):
        return None
    module, table = relation.removeprefix("staging.stg_mimiciv_").split("__")
    return lake / module / f"{table}.parquet"


def run_ours(db: Path, out: Path, workers: int, images: bool, limit: int | None) -> tuple[float, int]:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "export", "-q", "haim", "--db", str(db), "--out", str(out),
           "--workers", str(workers)]  # fmt: skip
    if not images:
        cmd.append("--no-images")
    if limit is not None:
        cmd += ["--limit", str(limit)]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    with PeakRss(proc.pid) as peak:
        if proc.wait() != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed")
    return time.perf_counter() - started, peak.peak


def load_samples(db: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    con = connect(db)
    try:
        samples = con.sql("SELECT subject_id, hadm_id, stay_id FROM marts.haim_samples ORDER BY 1, 2, 3").df()
        cxr = con.sql("SELECT * FROM marts.haim_cxr").df()
    finally:
        con.close()
    return samples, cxr


def reference(
    lake: Path, samples: pd.DataFrame, cxr: pd.DataFrame, n: int, scratch: Path
) -> tuple[float, float]:
    """(seconds to load the whole tables, seconds per stay) of the reference algorithm on `n` stays."""
    started = time.perf_counter()
    tables: dict[str, tuple[pd.DataFrame, str]] = {}
    for a in attributes():
        if a.kind == "table":
            for rel in a.relations:
                path = lake_path(lake, rel)
                if path is not None and rel not in tables:
                    df = ds.dataset(path).to_table().to_pandas()
                    if a.dictionary:
                        df = df.merge(
                            ds.dataset(lake_path(lake, a.dictionary)).to_table().to_pandas(), how="left"
                        )
                    tables[rel] = (df, a.level)
    load = time.perf_counter() - started
    rng = np.random.default_rng(0)
    chosen = samples.iloc[sorted(rng.choice(len(samples), size=min(n, len(samples)), replace=False))]
    scratch.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for i, (sid, hadm, stay) in enumerate(chosen.itertuples(index=False)):
        obj = {}
        for rel, (df, level) in tables.items():
            keep = df["subject_id"] == sid
            if level in ("hadm", "stay_time"):
                keep &= df["hadm_id"] == hadm
            if level == "stay":
                keep &= df["stay_id"] == stay
            obj[rel] = df[keep]
        rows = cxr[cxr["subject_id"] == sid]
        obj["cxr"] = rows
        obj["imcxr"] = []
        for path in rows["jpg_path"]:
            if path is not None and os.path.exists(path):
                # the reference's own decode
                obj["imcxr"].append(cv2.resize(cv2.imread(path, cv2.IMREAD_GRAYSCALE), (224, 224)))
        with open(scratch / f"{i:08d}.pkl", "wb") as fh:
            pickle.dump(obj, fh, protocol=5)
    per_stay = (time.perf_counter() - started) / max(1, len(chosen))
    del tables
    gc.collect()
    return load, per_stay


def unavoidable(lake: Path, samples: pd.DataFrame, scratch: Path) -> tuple[float, int]:
    """Seconds and peak RSS to read the HAIM subjects' rows into pandas per table, then pickle per-stay
    pieces."""
    proc = psutil.Process()
    base = proc.memory_info().rss
    peak = 0
    started = time.perf_counter()
    subjects = sorted(set(samples["subject_id"]))
    frames = []
    for a in attributes():
        if a.kind == "table":
            for rel in a.relations:
                path = lake_path(lake, rel)
                if path is not None:
                    table = ds.dataset(path).to_table(filter=ds.field("subject_id").isin(subjects))
                    frames.append(table.to_pandas())
                    peak = max(peak, proc.memory_info().rss - base)
    scratch.mkdir(parents=True, exist_ok=True)
    n = len(samples)
    pieces = [np.array_split(np.arange(len(f)), n) for f in frames]
    for i in range(n):
        obj = [f.iloc[p[i]] for f, p in zip(frames, pieces, strict=True)]
        with open(scratch / f"{i:08d}.pkl", "wb") as fh:
            pickle.dump(obj, fh, protocol=5)
    peak = max(peak, proc.memory_info().rss - base)
    return time.perf_counter() - started, peak


def chartevents_per_stay(db: Path) -> float:
    con = connect(db)
    try:
        row = con.execute(
            "SELECT count(*) / (SELECT count(*) FROM marts.haim_samples) "
            "FROM staging.stg_mimiciv_icu__chartevents c "
            "JOIN marts.haim_samples s USING (subject_id, hadm_id, stay_id)"
        ).fetchone()
    finally:
        con.close()
    return float(row[0]) if row and row[0] else 1.0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--db", type=Path, required=True, help="DuckDB warehouse built by dbt from --lake")
    p.add_argument("--lake", type=Path, required=True, help="the Parquet lake the warehouse was built from")
    p.add_argument("--scratch", type=Path, default=Path("/tmp/bench_export_haim"),
                   help="scratch folder for the outputs (removed at the end; default "
                        "/tmp/bench_export_haim)")  # fmt: skip
    p.add_argument("--workers", type=int, default=available_cpus(), help="workers of our export")
    p.add_argument("--reference-stays", type=int, default=20,
                   help="stays the reference algorithm exports (it is slow; default 20)")  # fmt: skip
    p.add_argument("--limit", type=int, default=None,
                   help="export only the first N HAIM subjects (all tables keep their full size, so the "
                        "per-stay figures still reflect the scale; default: every subject)")  # fmt: skip
    p.add_argument("--keep", action="store_true", help="keep the scratch folder")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    samples, cxr = load_samples(args.db)
    if args.limit is not None:
        first = sorted(set(samples["subject_id"]))[: args.limit]
        samples = samples[samples["subject_id"].isin(first)].reset_index(drop=True)
    n = len(samples)
    log.info("%d HAIM stays; our export with images …", n)
    ours_s, ours_mem = run_ours(args.db, args.scratch / "ours", args.workers, True, args.limit)
    log.info("our export without images …")
    noimg_s, noimg_mem = run_ours(args.db, args.scratch / "ours_noimg", args.workers, False, args.limit)
    log.info("(b) unavoidable work …")
    unav_s, unav_mem = unavoidable(args.lake, samples, args.scratch / "unavoidable")
    log.info("(a) reference algorithm on %d stays …", args.reference_stays)
    ref_load, ref_per_stay = reference(
        args.lake, samples, cxr, args.reference_stays, args.scratch / "reference"
    )
    density = MIMIC_CHARTEVENTS_PER_STAY / chartevents_per_stay(args.db)
    ours_per_stay = ours_s / n
    s = Summary(f"HAIM export benchmark: {n:,} stays, {samples['subject_id'].nunique():,} subjects, "
                f"{args.workers} workers")  # fmt: skip
    s.add("ours: seconds", round(ours_s, 1))
    s.add("ours: stays/s", round(n / ours_s, 1))
    s.add("ours: ms per stay", round(1000 * ours_per_stay, 1))
    s.add("ours: peak memory", human_bytes(ours_mem))
    s.add("ours --no-images: seconds", round(noimg_s, 1))
    s.add("ours --no-images: peak memory", human_bytes(noimg_mem))
    s.add("(a) reference: table load s", round(ref_load, 1))
    s.add("(a) reference: ms per stay", round(1000 * ref_per_stay, 1))
    s.add("(b) unavoidable: seconds", round(unav_s, 1))
    s.add("(b) unavoidable: memory", human_bytes(unav_mem))
    s.add("speed-up per stay vs (a)", f"{ref_per_stay / ours_per_stay:.1f}x")
    s.add("--no-images time / (b)", f"{noimg_s / unav_s:.2f}x")
    s.add("MIMIC density factor", f"{density:.2f}")
    s.add("projected full cohort, ours", f"{ours_per_stay * density * HAIM_STAYS / 60:.1f} min")
    s.add("projected full cohort, (a)", f"{ref_per_stay * density * HAIM_STAYS / 3600:.1f} h")
    s.print()
    if not args.keep:
        shutil.rmtree(args.scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
