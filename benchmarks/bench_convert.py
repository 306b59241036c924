"""Benchmark `python -m convert` against two references measured in the same run on the same files.

- floor: decompress every gzip file of the release with the `gzip` module, reading to nowhere (one process);
- baseline: `pandas.read_csv` + `DataFrame.to_parquet` for every single-file CSV table (in chunks, so that it
  fits in memory).

Prints rows/s per table, the ratios, and the peak memory of the converter's process tree.
Targets: conversion <= 2 x floor, >= 2 x faster than the baseline, < 8 GB.

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
from tqdm import tqdm

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


def baseline(sources: list[Path], out: Path, chunk_rows: int) -> tuple[float, float]:
    """pandas.read_csv + to_parquet for every source file, chunked to bound memory: wall and CPU seconds."""
    out.mkdir(parents=True, exist_ok=True)
    start, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
    for k, path in enumerate(tqdm(sources, desc="baseline", unit="file", disable=None)):
        for i, chunk in enumerate(pd.read_csv(path, chunksize=chunk_rows, low_memory=False)):
            chunk.to_parquet(out / f"{k}-{i}.parquet")
    return time.perf_counter() - start, _cpu(resource.RUSAGE_SELF) - cpu


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
            Path(s["path"])
            for e in manifest.values()
            for s in e["sources"]
            if "sha256" in s and Path(s["path"]).is_file()
        },
        key=lambda p: -p.stat().st_size,
    )
    base_s = base_cpu = None
    if not args.skip_baseline:
        base_dir = args.work / "baseline"
        shutil.rmtree(base_dir, ignore_errors=True)
        base_s, base_cpu = baseline(sources, base_dir, args.baseline_chunk_rows)
        shutil.rmtree(base_dir, ignore_errors=True)

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
    if base_s is not None and base_cpu is not None:
        print(
            f"{f'baseline (pandas, {len(sources)} files)':44} {base_s:8.1f} {base_cpu:8.1f}"
            f" {base_s / floor_s:8.2f}"
        )
    print(f"\nconvert: {total_rows:,} rows, {total_rows / convert_s:,.0f} rows/s")
    print(f"convert / floor (wall) = {convert_s / floor_s:.2f} (target <= 2)")
    if base_s is not None:
        print(f"baseline / convert (wall) = {base_s / convert_s:.2f} (target >= 2)")
    print(f"peak memory of the converter: {peak / 1e9:.2f} GB (target < 8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
