"""Benchmark `marts.haim_embeddings` (dbt + DuckDB) against HAIM's per-image procedure, and the CSV export.

    python benchmarks/bench_haim_embeddings.py --workdir /tmp/bench_emb --subjects 20000   # full run
    python benchmarks/bench_haim_embeddings.py --workdir /tmp/bench_emb --subjects 2000    # quick run

Reuses (or generates) a synthetic release under --workdir: raw/ (synth), lake/ (convert) and warehouse.duckdb
(dbt build). Then measures:
  * the mart: `dbt run --select +haim_embeddings` (the mart with every model it reads, staging to marts) and
    the embedding models alone with their inputs already built (`+haim_embeddings` minus `+haim_samples` and
    `+haim_cxr`, which the pickle export needs anyway); seconds of the whole dbt process (start-up and
    project parsing included), seconds inside the models (dbt's run_results.json), rows/s, peak RSS of the
    process tree;
  * the baseline, HAIM's procedure, on a random sample of image rows of the same release, with the pickles
    of those rows' subjects exported into haim/ (`python -m export haim --no-images --subjects ...`): reload
    the sample's pickle for every image, bound chart and lab events to the
    image time, pivot the three families in row order, append the zero row and compute the 11 statistics per
    item with pandas/numpy/scipy (the test suite's independent implementation, tests/haim_embeddings/
    haim_reference.py, imported, not copied); seconds per row, and the largest relative difference from the
    mart's values on those rows (it must be ≤ 1e-9);
  * `python -m export haim-embeddings` into CSV: seconds, rows/s, peak RSS;
  * the speed-up (baseline seconds per row / mart seconds per row; goal ≥ 200x), and the time projected for
    the full MIMIC cohort (45,000 image rows; goal < 2 minutes on 2 cores), linear in rows.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from bench_dbt import PROJECT, prepare_lake
from mimic_mm.dbt_env import dbt_env
from mimic_mm.export.haim_embeddings.layout import TABULAR
from mimic_mm.export.progress import Summary, human_bytes, progress_bar
from mimic_mm.export.warehouse import connect
from mimic_mm.haim_patient import load_patient
from process_memory import run_measured

sys.path.insert(0, str(PROJECT / "tests" / "haim_embeddings"))
import haim_reference

log = logging.getLogger("bench_haim_embeddings")
FULL_COHORT_ROWS = 45_000
DBT = str(Path(sys.executable).with_name("dbt"))
# The pickles' core lacks HAIM's *_int codes (HAIM's released code never adds them): the baseline takes them
# from the mart row, which costs nothing and leaves the timed statistics untouched.
CODES = haim_reference.DEMOGRAPHICS


def dbt(workdir: Path, lake: Path, db: Path, *argv: str) -> tuple[float, int]:
    cmd = [DBT, *argv, "--project-dir", str(PROJECT), "--target-path", str(workdir / "target"),
           "--log-path", str(workdir / "logs")]  # fmt: skip
    return run_measured(cmd, PROJECT, dbt_env(lake, db))


def prepare_release(workdir: Path, subjects: int, seed: int) -> tuple[Path, Path]:
    """(lake, warehouse), each built only when missing."""
    lake = prepare_lake(workdir, subjects, seed)
    db = workdir / "warehouse.duckdb"
    if not db.exists():
        log.info("dbt build (models only) into %s", db)
        dbt(workdir, lake, db, "build", "--exclude", "resource_type:test", "resource_type:unit_test")
    return lake, db


def export_pickles(db: Path, out: Path, subject_ids: list[int]) -> None:
    """The baseline's input: the pickles of the chosen rows' subjects only (not the whole cohort)."""
    log.info("python -m export haim --no-images for %d subjects into %s", len(subject_ids), out)
    subprocess.run([sys.executable, "-m", "export", "-q", "haim", "--db", str(db), "--out", str(out),
                    "--no-images", "--force", "--subjects", ",".join(map(str, subject_ids))],
                   check=True, cwd=PROJECT, stdout=subprocess.DEVNULL)  # fmt: skip


def model_seconds(workdir: Path) -> float:
    """Seconds spent inside the models of the last dbt invocation (its run_results.json)."""
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    return float(sum(r["execution_time"] for r in results))


def mart_rows(db: Path) -> pd.DataFrame:
    con = connect(db)
    try:
        return con.execute(f"SELECT * FROM {TABULAR} ORDER BY haim_id, img_id").df()
    finally:
        con.close()


def item_labels(db: Path) -> pd.DataFrame:
    con = connect(db)
    try:
        return con.execute("SELECT itemid, label FROM staging.stg_mimiciv_icu__d_items").df()
    finally:
        con.close()


def baseline_row(pickles: Path, want: pd.Series, d_items: pd.DataFrame) -> dict[str, Any]:
    """HAIM's work for one image row: reload the pickle, then bound and compute that image's row."""
    patient = load_patient(pickles, int(want["haim_id"]))
    procedures = patient.procedureevents
    if "label" not in procedures.columns:  # HAIM merged d_items in; a left merge keeps order
        procedures = procedures.merge(d_items, on="itemid", how="left")
    core = patient.core.copy()
    for k, name in enumerate(CODES):
        if name not in core.columns:
            core[name] = want[f"de_{k}"]
    # HAIM's bounding recomputes the times on every call: image time floored to the minute, then hours from
    # admittime on the image and on every chart and lab row.
    admittime = patient.admissions["admittime"].iloc[0]
    cxr = patient.cxr[patient.cxr["dicom_id"] == want["img_id"]].copy()  # the one image this row is for
    stamps = zip(cxr["StudyDate"], cxr["StudyTime"], strict=True)
    cxr["charttime"] = [haim_reference.cxr_charttime(d, t) for d, t in stamps]
    view = SimpleNamespace(
        core=core,
        admissions=patient.admissions,
        chartevents=haim_reference.with_delta(patient.chartevents, "charttime", admittime),
        labevents=haim_reference.with_delta(patient.labevents, "charttime", admittime),
        procedureevents=procedures,
        cxr=haim_reference.with_delta(cxr, "charttime", admittime),
    )
    rows = haim_reference.embedding_rows(view, int(want["haim_id"]))
    if len(rows) != 1:
        raise RuntimeError(
            f"baseline made {len(rows)} rows for (haim_id {want['haim_id']}, {want['img_id']})"
        )
    return rows[0]


def choose_rows(mart: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    return mart.iloc[sorted(np.random.default_rng(seed).choice(len(mart), min(n, len(mart)), replace=False))]


def run_baseline(pickles: Path, chosen: pd.DataFrame, d_items: pd.DataFrame) -> tuple[float, float]:
    """(seconds per image row, largest relative difference from the mart over the features)."""
    features = [c for c in chosen.columns if c.startswith(("de_", "ts_"))]
    features += ["img_deltacharttime", "img_length_of_stay"]
    worst = 0.0
    spent = 0.0
    for _, want in progress_bar(chosen.iterrows(), total=len(chosen), desc="baseline", unit="row"):
        started = time.perf_counter()
        got = baseline_row(pickles, want, d_items)
        spent += time.perf_counter() - started
        a = np.array([float(got[c]) for c in features])
        b = want[features].to_numpy(dtype=float)
        worst = max(worst, float(np.max(np.abs(a - b) / np.maximum(1.0, np.maximum(np.abs(a), np.abs(b))))))
    return spent / max(1, len(chosen)), worst


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workdir", type=Path, default=Path("/tmp/bench_haim_embeddings"),
                   help="release folder, reused if present (default /tmp/bench_haim_embeddings)")  # fmt: skip
    p.add_argument("--subjects", type=int, default=20_000, help="synthetic subjects when generating (20000)")
    p.add_argument(
        "--seed", type=int, default=20, help="synth seed, and the seed choosing baseline rows (20)"
    )
    p.add_argument("--baseline-rows", type=int, default=40,
                   help="image rows the baseline computes (it is slow; default 40)")  # fmt: skip
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(message)s")
    args.workdir.mkdir(parents=True, exist_ok=True)
    lake, db = prepare_release(args.workdir, args.subjects, args.seed)
    log.info("timing dbt run --select +haim_embeddings …")
    full_s, full_mem = dbt(args.workdir, lake, db, "run", "--select", "+haim_embeddings")
    full_models = model_seconds(args.workdir)
    log.info("timing the embedding models alone …")
    own_s, own_mem = dbt(args.workdir, lake, db, "run", "--select", "+haim_embeddings",
                         "--exclude", "+haim_samples", "+haim_cxr")  # fmt: skip
    own_models = model_seconds(args.workdir)
    mart = mart_rows(db)
    n = len(mart)
    log.info("%d mart rows; python -m export haim-embeddings …", n)
    out = args.workdir / "haim-embeddings"
    export_s, export_mem = run_measured(
        [sys.executable, "-m", "export", "-q", "haim-embeddings", "--db", str(db), "--out", str(out)],
        PROJECT,
        dict(os.environ),
    )
    chosen = choose_rows(mart, args.baseline_rows, args.seed)
    pickles = args.workdir / "haim"
    export_pickles(db, pickles, sorted(int(i) for i in chosen["subject_id"].unique()))
    log.info("baseline on %d image rows …", len(chosen))
    per_row, worst = run_baseline(pickles, chosen, item_labels(db))
    s = Summary(f"HAIM embeddings benchmark: {n:,} image rows, {mart['haim_id'].nunique():,} samples, "
                f"{os.cpu_count()} cores")  # fmt: skip
    s.add("mart +haim_embeddings: seconds", round(full_s, 1))
    s.add("mart +haim_embeddings: seconds in models", round(full_models, 1))
    s.add("mart +haim_embeddings: rows/s", round(n / full_s, 1))
    s.add("mart +haim_embeddings: peak RSS", human_bytes(full_mem))
    s.add("embedding models alone: seconds", round(own_s, 1))
    s.add("embedding models alone: seconds in models", round(own_models, 1))
    s.add("embedding models alone: rows/s", round(n / own_s, 1))
    s.add("embedding models alone: peak RSS", human_bytes(own_mem))
    s.add("export CSV: seconds", round(export_s, 1))
    s.add("export CSV: rows/s", round(n / export_s, 1))
    s.add("export CSV: peak RSS", human_bytes(export_mem))
    s.add("export CSV: size", human_bytes((out / "haim_embeddings.csv").stat().st_size))
    s.add("baseline rows computed", min(args.baseline_rows, n))
    s.add("baseline: seconds per row", round(per_row, 4))
    s.add("baseline vs mart: max rel. difference", f"{worst:.1e}")
    s.add("speed-up vs +haim_embeddings", f"{per_row / (full_s / n):.0f}x")
    s.add("speed-up vs embedding models alone", f"{per_row / (own_s / n):.0f}x")
    s.add("speed-up vs embedding models, model time", f"{per_row / (own_models / n):.0f}x")
    s.add("projected 45,000 rows, +haim_embeddings", f"{full_s / n * FULL_COHORT_ROWS:.0f} s")
    s.add("projected 45,000 rows, models alone", f"{own_s / n * FULL_COHORT_ROWS:.0f} s")
    s.add("projected 45,000 rows, models alone, model time", f"{own_models / n * FULL_COHORT_ROWS:.0f} s")
    s.add("projected 45,000 rows, export CSV", f"{export_s / n * FULL_COHORT_ROWS:.0f} s")
    s.add("projected 45,000 rows, baseline", f"{per_row * FULL_COHORT_ROWS / 3600:.1f} h")
    s.print()
    return 0 if worst <= 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
