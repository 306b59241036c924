"""Benchmark the synthetic generator: seconds, rows/s per big table and peak memory (RSS of the process tree).

Baseline, measured in the same run: writing chartevents-shaped rows one by one with the csv module into gzip
(the obvious Python approach). The ratio says how much the vectorised Arrow path gains per row.

    python benchmarks/bench_synth.py --subjects 20000 --workers 2 --out /tmp/bench_synth
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from mimic_mm.synth.generate import generate
from process_memory import PeakRss

BIG = [
    "chartevents",
    "labevents",
    "emar_detail",
    "poe",
    "emar",
    "ingredientevents",
    "inputevents",
    "pharmacy",
    "prescriptions",
    "datetimeevents",
]


def baseline_rows_per_second(n: int) -> float:
    """Row-by-row csv.writer + gzip for chartevents-shaped rows (11 columns)."""
    rnd = random.Random(0)
    t0 = datetime(2150, 1, 1)
    buf = io.BytesIO()
    start = time.perf_counter()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=3, mtime=0) as gz, io.TextIOWrapper(gz) as text:
        w = csv.writer(text, lineterminator="\n")
        for i in range(n):
            t = t0 + timedelta(seconds=rnd.randrange(10**7))
            v = round(rnd.gauss(85, 15), 1)
            w.writerow(
                [
                    10000000 + i // 4000,
                    20000000,
                    30000000,
                    rnd.randrange(1000, 99999),
                    t.strftime("%Y-%m-%d %H:%M:%S"),
                    (t + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S"),
                    220045,
                    str(v),
                    v,
                    "bpm",
                    0,
                ]
            )
    return n / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--subjects", type=int, default=2000, help="subjects to generate (default 2000; 20000 = full)"
    )
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--workers", type=int, default=2, help="generator processes (default 2)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        help="output folder (default: a temporary folder, deleted afterwards); replaced if it exists",
    )
    p.add_argument(
        "--baseline-rows",
        type=int,
        default=200_000,
        help="rows written by the row-by-row baseline (default 200000)",
    )
    p.add_argument("--keep", action="store_true", help="keep the generated files")
    args = p.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="bench_synth_"))
    with PeakRss(interval=0.2) as rss:
        summary = generate(out, args.subjects, args.seed, "2.2", args.workers, force=True, progress=False)
    base = baseline_rows_per_second(args.baseline_rows)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    total_rows = sum(summary.rows.values())
    print(
        f"subjects {args.subjects:,}  workers {args.workers}  total {summary.seconds:.1f} s  "
        f"peak RSS {rss.peak / 2**30:.2f} GiB  output {size / 2**30:.2f} GiB  rows {total_rows:,}"
    )
    print(f"{'table':<22}{'rows':>14}{'seconds':>10}{'rows/s':>14}{'vs baseline':>13}")
    for name in BIG:
        key = f"mimic-iv-2.2/{name}"
        rows, secs = summary.rows.get(key, 0), summary.task_seconds.get(key, 0.0)
        rate = rows / secs if secs else 0.0
        print(f"{name:<22}{rows:>14,}{secs:>10.1f}{rate:>14,.0f}{rate / base:>12.1f}x")
    print(
        f"{'baseline (csv.writer)':<22}{args.baseline_rows:>14,}"
        f"{args.baseline_rows / base:>10.1f}{base:>14,.0f}{1:>12.1f}x"
    )
    charts = summary.rows.get("mimic-iv-2.2/chartevents", 0)
    stays = summary.rows.get("mimic-iv-2.2/icustays", 0)
    print(
        f"images {summary.rows.get('mimic-cxr-jpg-2.0.0/jpg files', 0):,}  "
        f"ICU stays {summary.rows.get('mimic-iv-2.2/icustays', 0):,}  "
        f"chartevents per ICU stay {charts / max(1, stays):,.0f}"
    )
    if not args.keep and args.out is None:
        shutil.rmtree(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
