"""Benchmark of `python -m export mimic-eye` against the reference approach, on one synthetic release.

Builds (or reuses) a synthetic release of N subjects with the project's pipeline (synth → convert → dbt), then
in the same run measures:

- our export: patients/s, files/s, seconds per patient and peak memory (RSS of the process tree, polled);
- the reference approach on a sample of patients: every table loaded whole in pandas, then for each patient
  and each table `df[df.subject_id == s].to_csv(...)` (what the published notebooks do), seconds per patient;

and prints the ratio. Run it at two scales to see that our per-patient cost stays flat while the reference's
grows with the table sizes:

    python benchmarks/bench_export_eye.py --subjects 5000 --work /tmp/bench_eye_5k
    python benchmarks/bench_export_eye.py --subjects 20000 --work /tmp/bench_eye_20k

or point it at an existing release with --warehouse/--lake.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from mimic_mm.dbt_env import dbt_env
from process_memory import PeakRss

log = logging.getLogger("bench_export_eye")
REPO = Path(__file__).resolve().parents[1]


def run(cmd: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> None:
    log.info("$ %s", " ".join(cmd))
    subprocess.run(cmd, check=True, env={**os.environ, **(env or {})}, cwd=cwd)


def build_release(work: Path, subjects: int, seed: int) -> tuple[Path, Path]:
    """synth → convert → dbt into `work`, skipping steps whose output already exists."""
    raw, lake, db = work / "raw", work / "lake", work / "warehouse.duckdb"
    py = sys.executable
    if not (raw / "ground_truth.json").exists():
        run([py, "-m", "synth", "--out", str(raw), "--subjects", str(subjects), "--seed", str(seed)])
    if not (lake / "_manifest.json").exists():
        run([py, "-m", "convert", str(raw), "--lake", str(lake)])
    if not db.exists():
        env = dbt_env(lake, db)
        dbt = str(Path(py).with_name("dbt"))
        run([dbt, "build", "--target-path", str(work / "target"), "--quiet"], env=env, cwd=REPO)
    return db, lake


def measure_ours(db: Path, out: Path, workers: int) -> dict[str, float]:
    """Run the exporter in a subprocess, polling the RSS of its process tree for the peak."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "export",
        "mimic-eye",
        "--warehouse",
        str(db),
        "--out",
        str(out),
        "--workers",
        str(workers),
    ]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    with PeakRss(proc.pid) as memory:
        _, err = proc.communicate()  # reading stderr while it runs: a full pipe would stall the exporter
    seconds = time.perf_counter() - started
    if proc.returncode:
        sys.stderr.write(err)
        raise SystemExit(f"export failed with exit code {proc.returncode}")
    patients = sum(1 for p in out.glob("patient_*") if p.is_dir())
    files = sum(len(f) for _, _, f in os.walk(out))
    return {"patients": patients, "files": files, "seconds": seconds, "peak_bytes": memory.peak}


def reference_tables(lake: Path) -> dict[str, pd.DataFrame]:
    """Every lake table with per-subject rows, loaded whole (the reference notebooks' approach)."""
    tables = {}
    for path in sorted(lake.glob("*/*.parquet")):
        schema = pq.read_schema(path)
        if "subject_id" in schema.names or "patient_id" in schema.names:
            df = pq.read_table(path).to_pandas()
            tables[f"{path.parent.name}/{path.stem}"] = df.rename(columns={"patient_id": "subject_id"})
    return tables


def measure_reference(lake: Path, subjects: list[int], scratch: Path) -> dict[str, float]:
    started = time.perf_counter()
    tables = reference_tables(lake)
    load = time.perf_counter() - started
    started = time.perf_counter()
    for s in subjects:
        folder = scratch / f"patient_{s}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, df in tables.items():
            df[df.subject_id == s].to_csv(folder / f"{name.replace('/', '_')}.csv")
    loop = time.perf_counter() - started
    rows = sum(len(df) for df in tables.values())
    return {
        "load_seconds": load,
        "per_patient": loop / max(1, len(subjects)),
        "rows": rows,
        "tables": len(tables),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--subjects", type=int, default=20_000, help="subjects of the synthetic release (default 20000)"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="folder for the release and the exports; reused between runs (default: a temp dir)",
    )
    parser.add_argument("--warehouse", type=Path, help="use this warehouse instead of building a release")
    parser.add_argument("--lake", type=Path, help="the lake of --warehouse (read by the reference approach)")
    parser.add_argument("--workers", type=int, default=1, help="exporter worker processes (default 1)")
    parser.add_argument(
        "--reference-sample",
        type=int,
        default=20,
        help="patients exported the reference way to time it (default 20)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(message)s")
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_eye_"))
    work.mkdir(parents=True, exist_ok=True)
    if args.warehouse:
        if not args.lake:
            parser.error("--warehouse needs --lake")
        db, lake = args.warehouse, args.lake
    else:
        db, lake = build_release(work, args.subjects, args.seed)
    con = duckdb.connect(str(db), read_only=True)
    cohort = [r[0] for r in con.sql("SELECT subject_id FROM marts.mimic_eye_patients ORDER BY 1").fetchall()]
    total = con.sql("SELECT count(*) FROM staging.stg_mimiciv_hosp__patients").fetchall()[0][0]
    con.close()
    ours = measure_ours(db, work / "export", args.workers)
    step = max(1, len(cohort) // args.reference_sample)
    sample = cohort[::step][: args.reference_sample]
    ref = measure_reference(lake, sample, work / "reference")
    shutil.rmtree(work / "reference", ignore_errors=True)
    per_patient = ours["seconds"] / max(1, ours["patients"])
    print(
        f"release: {total} subjects, {len(cohort)} MIMIC-Eye patients, {ref['tables']} per-subject tables, "
        f"{ref['rows']:,} rows"
    )
    print(
        f"ours:      {ours['patients']} patients, {ours['files']} files in {ours['seconds']:.1f} s -> "
        f"{ours['patients'] / ours['seconds']:.1f} patients/s, "
        f"{ours['files'] / ours['seconds']:.0f} files/s, "
        f"{per_patient * 1000:.1f} ms/patient, peak memory {ours['peak_bytes'] / 2**20:.0f} MiB"
    )
    print(
        f"reference: {len(sample)} patients sampled, {ref['per_patient'] * 1000:.1f} ms/patient "
        f"(+ {ref['load_seconds']:.1f} s loading whole tables)"
    )
    print(f"ratio:     reference / ours per patient = {ref['per_patient'] / per_patient:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
