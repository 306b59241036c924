"""Benchmark `python -m convert` against two references measured in the same run on the same files.

- floor: decompress every gzip file of the release with the `gzip` module, reading to nowhere (one process);
- baseline: `pandas.read_csv` + `DataFrame.to_parquet` for every single-file CSV table (in chunks, so that it
  fits in memory), twice:
  - with the reference types (Arrow dtypes and `parse_dates=` from the same reference list the converter
    uses), so that pandas does the converter's job: ids as integers, times as timestamps, codes as text;
  - with the types pandas infers: not the same lake (ICD codes such as "0389" become the number 389, times
    stay text, each chunk infers its own schema), but it is how the reference notebooks read MIMIC.
  The target is judged against the faster of the two.

Prints rows/s per table, the ratios, and the peak memory of the converter's process tree.
Targets: conversion <= 2 x floor, >= 2 x faster than the faster baseline, < 8 GB.

Full-scale run (about 20,000 subjects; the raw release is generated once and kept under --work):
    .venv/bin/python benchmarks/bench_convert.py --subjects 20000 --work /tmp/bench_convert
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
from tqdm import tqdm

from mimic_mm.releases.catalog import duckdb_type, release_tables
from process_memory import PeakRss

log = logging.getLogger("bench_convert")
ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--subjects", type=int, default=20000, help="subjects of the synthetic release (default 20000)"
    )
    p.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    p.add_argument(
        "--work",
        type=Path,
        default=Path(tempfile.gettempdir()) / "bench_convert",
        help="work folder: raw release (kept between runs, per subject count), lake and baseline output",
    )
    p.add_argument(
        "--raw", type=Path, default=None, help="use this existing raw release instead of generating one"
    )
    p.add_argument("--workers", type=int, default=2, help="converter --workers (default 2)")
    p.add_argument("--skip-baseline", action="store_true", help="do not run the pandas baseline")
    p.add_argument(
        "--baseline-chunk-rows", type=int, default=2_000_000, help="rows per pandas chunk (default 2,000,000)"
    )
    return p.parse_args(argv)


def generate(raw: Path, subjects: int, seed: int) -> None:
    if (raw / "physionet.org").is_dir():
        log.info("reusing %s", raw)
        return
    log.info("generating %d subjects into %s", subjects, raw)
    cmd = [sys.executable, "-m", "synth", "--out", str(raw), "--subjects", str(subjects), "--seed", str(seed)]
    subprocess.run(cmd, cwd=ROOT, check=True)


def _cpu(who: int) -> float:
    r = resource.getrusage(who)
    return r.ru_utime + r.ru_stime


def _disk_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def floor(raw: Path) -> tuple[float, float, int]:
    """Wall and CPU seconds to decompress every gzip file (gzip module, to nowhere), decompressed bytes."""
    files = sorted(raw.rglob("*.gz"))
    total = 0
    start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
    for path in tqdm(files, desc="floor", unit="file", disable=None):
        with gzip.open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                total += len(chunk)
    return time.perf_counter() - start, _cpu(resource.RUSAGE_SELF) - cpu, total


def convert(raw: Path, lake: Path, workers: int) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (all threads) and peak RSS of `python -m convert` in a subprocess."""
    cmd = [
        sys.executable,
        "-m",
        "convert",
        str(raw),
        "--lake",
        str(lake),
        "--force",
        "--workers",
        str(workers),
    ]
    start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_CHILDREN)
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid, interval=0.1) as memory:
        _, err = proc.communicate()
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.stderr.write(err)
        raise SystemExit(f"convert failed with exit code {proc.returncode}")
    return seconds, _cpu(resource.RUSAGE_CHILDREN) - cpu, memory.peak


# Arrow-backed pandas dtypes for the lake's DuckDB types; TIMESTAMP and DATE columns go to parse_dates.
# Arrow dtypes, not "str"/"Int32": on pandas 3 an explicit "str" makes read_csv two to three times slower
# (emar_detail: 38 s against 14 s), which would flatter the converter.
PANDAS_DTYPES = {
    "INTEGER": pd.ArrowDtype(pa.int32()),
    "SMALLINT": pd.ArrowDtype(pa.int16()),
    "BIGINT": pd.ArrowDtype(pa.int64()),
    "DOUBLE": pd.ArrowDtype(pa.float64()),
    "VARCHAR": pd.ArrowDtype(pa.string()),
    "BOOLEAN": pd.ArrowDtype(pa.bool_()),
}


def reference_types(path: Path, release: str) -> dict:
    """`read_csv` arguments giving the columns of `path` their reference types ({} for an unknown header)."""
    header = list(pd.read_csv(path, nrows=0).columns)
    for rt in release_tables(release).values():
        if rt.header == header:
            types = {c.name: duckdb_type(c.type) for c in rt.columns}
            return {
                "dtype": {c: PANDAS_DTYPES[t] for c, t in types.items() if t in PANDAS_DTYPES},
                "parse_dates": [c for c, t in types.items() if t in ("TIMESTAMP", "DATE")],
                "date_format": "ISO8601",
            }
    return {}


def baseline(sources: list[tuple[Path, str]], out: Path, chunk_rows: int, typed: bool) -> tuple[float, float]:
    """pandas.read_csv + to_parquet for every (source file, release), chunked to bound memory: wall and CPU
    seconds. `typed`: read with the reference types, else with the types pandas infers."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    desc = "baseline, reference types" if typed else "baseline, inferred types"
    start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
    for k, (path, release) in enumerate(tqdm(sources, desc=desc, unit="file", disable=None)):
        kwargs = reference_types(path, release) if typed else {"low_memory": False}
        for i, chunk in enumerate(pd.read_csv(path, chunksize=chunk_rows, **kwargs)):
            chunk.to_parquet(out / f"{k}-{i}.parquet")
    seconds, cpu = time.perf_counter() - start, _cpu(resource.RUSAGE_SELF) - cpu
    shutil.rmtree(out, ignore_errors=True)
    return seconds, cpu


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    raw = args.raw or args.work / f"raw-{args.subjects}-{args.seed}"
    if args.raw is None:
        generate(raw, args.subjects, args.seed)
    lake = args.work / "lake"
    shutil.rmtree(lake, ignore_errors=True)

    floor_s, floor_cpu, floor_bytes = floor(raw)
    convert_s, convert_cpu, peak = convert(raw, lake, args.workers)
    manifest = json.loads((lake / "_manifest.json").read_text())["tables"]
    sources = sorted(
        {
            (Path(s["path"]), e["release"])
            for e in manifest.values()
            for s in e["sources"]
            if "sha256" in s and Path(s["path"]).is_file()
        },
        key=lambda source: -source[0].stat().st_size,
    )
    typed = inferred = None
    if not args.skip_baseline:
        typed = baseline(sources, args.work / "baseline", args.baseline_chunk_rows, typed=True)
        inferred = baseline(sources, args.work / "baseline", args.baseline_chunk_rows, typed=False)

    print(f"\n{'table':36} {'rows':>12} {'seconds':>8} {'rows/s':>12}")
    for key, e in sorted(manifest.items(), key=lambda kv: -kv[1]["parquet_rows"]):
        if e["parquet_rows"]:
            rate = e["parquet_rows"] / e["seconds"] if e["seconds"] else float("inf")
            print(f"{key:36} {e['parquet_rows']:>12,} {e['seconds']:>8.2f} {rate:>12,.0f}")
    total_rows = sum(e["parquet_rows"] for e in manifest.values())
    print(
        f"\nraw release: {raw} ({_disk_bytes(raw) / 1e9:.2f} GB on disk,"
        f" {floor_bytes / 1e9:.2f} GB decompressed gzip)"
    )
    # CPU seconds are printed too: on a shared machine wall time also measures the other users' load.
    print(f"{'':44} {'wall s':>8} {'CPU s':>8} {'x floor':>8}")
    print(f"{'floor (gzip decompress to nowhere)':44} {floor_s:8.1f} {floor_cpu:8.1f} {1:8.2f}")
    print(
        f"{f'convert ({args.workers} workers)':44} {convert_s:8.1f} {convert_cpu:8.1f}"
        f" {convert_s / floor_s:8.2f}"
    )
    baselines = [("reference types", typed), ("inferred types", inferred)]
    for name, figures in baselines:
        if figures is not None:
            label = f"baseline (pandas, {name}, {len(sources)} files)"
            print(f"{label:44} {figures[0]:8.1f} {figures[1]:8.1f} {figures[0] / floor_s:8.2f}")
    print(f"\nconvert: {total_rows:,} rows, {total_rows / convert_s:,.0f} rows/s")
    print(f"convert / floor (wall) = {convert_s / floor_s:.2f} (target <= 2)")
    measured = [(figures[0], name) for name, figures in baselines if figures is not None]
    for seconds, name in measured:
        print(f"baseline with {name} / convert (wall) = {seconds / convert_s:.2f}")
    if measured:
        seconds, name = min(measured)
        print(f"faster baseline ({name}) / convert (wall) = {seconds / convert_s:.2f} (target >= 2)")
    print(f"peak memory of the converter: {peak / 1e9:.2f} GB (target < 8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
