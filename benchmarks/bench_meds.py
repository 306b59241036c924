"""Benchmark the MEDS export against the official MIMIC-IV MEDS ETL on the same synthetic release.

    python benchmarks/bench_meds.py --workdir /tmp/bench_meds --subjects 2000
    python benchmarks/bench_meds.py --workdir /tmp/bench_meds --subjects 20000 --concept-maps DIR

Ours: `dbt build` of the MEDS models and everything they read (models and seeds; the dbt tests are a separate
concern), then `python -m export meds`. The conversion of the raw files into the Parquet lake is timed too and
shown on its own line (the official ETL reads the CSVs itself; our lake also serves every other export). The
official ETL: `meds-extract-run spec=MIMIC-IV do_download=false` on the same MIMIC-IV hosp/ and icu/ files and
mimic-code's concept maps (--concept-maps, by default ../shared/peers/mimic-code/mimic-iv/concepts/concept_map
beside the checkout). Each step is one subprocess; wall time and the peak resident memory of its whole process
tree are printed, with the ratios and a linear projection (by subjects) to the full MIMIC-IV 3.1 (364,627
subjects). Needs the dev dependencies (mimic-iv-meds).
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb

from mimic_mm.dbt_env import dbt_env
from process_memory import run_measured

PROJECT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CONCEPT_MAPS = PROJECT.parent / "shared" / "peers" / "mimic-code" / "mimic-iv" / "concepts" / "concept_map"
FULL_SUBJECTS = 364_627  # patients in MIMIC-IV 3.1
log = logging.getLogger("bench_meds")


def official_input(workdir: Path, raw: Path, concept_maps: Path) -> Path:
    """The official ETL's input folder: hosp/ and icu/ of the release and the concept maps, as links."""
    source = workdir / "official_input"
    shutil.rmtree(source, ignore_errors=True)
    source.mkdir(parents=True)
    mimic_iv = next((raw / "physionet.org" / "files" / "mimiciv").iterdir())
    for module in ("hosp", "icu"):
        (source / module).symlink_to(mimic_iv / module)
    for csv in concept_maps.glob("*.csv"):
        (source / csv.name).symlink_to(csv)
    return source


def rows_in(folder: Path) -> int:
    rows = (
        duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{folder}/data/*/*.parquet')").fetchall()
    )
    return int(rows[0][0])


def mib(n: int) -> str:
    return f"{n / 2**20:,.0f} MiB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, required=True, help="scratch folder (release, lake, outputs)")
    parser.add_argument("--subjects", type=int, default=2000, help="synthetic subjects (default 2000)")
    parser.add_argument("--seed", type=int, default=7, help="synthetic seed (default 7)")
    parser.add_argument(
        "--concept-maps",
        type=Path,
        default=CONCEPT_MAPS,
        help="mimic-code's concept_map folder, which the official ETL reads (default: ../shared's copy)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    if not args.concept_maps.is_dir():
        raise SystemExit(f"{args.concept_maps} is not a folder: pass --concept-maps")
    work = args.workdir.resolve()
    raw, lake, warehouse = work / "raw", work / "lake", work / "warehouse.duckdb"
    if not (raw / "ground_truth.json").exists():
        log.info("generating %d subjects into %s", args.subjects, raw)
        subprocess.run([sys.executable, "-m", "synth", "--out", str(raw), "--subjects", str(args.subjects),
                        "--seed", str(args.seed), "--force", "--quiet"], check=True)  # fmt: skip
    for path in (lake, warehouse, work / "target", work / "ours", work / "official"):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    env = dbt_env(lake, warehouse)
    path_env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")

    results: dict[str, tuple[float, int]] = {}
    log.info("convert")
    results["convert (raw -> lake, every module)"] = run_measured(
        [sys.executable, "-m", "convert", str(raw), "--lake", str(lake)], PROJECT
    )
    log.info("dbt build of the MEDS models")
    results["dbt build +meds_events +meds_codes lake_lineage"] = run_measured(
        [str(BIN / "dbt"), "build", "--select", "+meds_events", "+meds_codes", "lake_lineage",
         "--resource-type", "model", "--resource-type", "seed", "--target-path", str(work / "target"),
         "--log-path", str(work / "target")],
        PROJECT,
        env,
    )  # fmt: skip
    log.info("python -m export meds")
    results["export meds"] = run_measured(
        [sys.executable, "-m", "export", "meds", "--db", str(warehouse), "--out", str(work / "ours"), "-q"],
        PROJECT,
        env,
    )
    log.info("official ETL")
    source = official_input(work, raw, args.concept_maps)
    results["official ETL (meds-extract-run)"] = run_measured(
        [str(BIN / "meds-extract-run"), "spec=MIMIC-IV", "do_download=false", f"input_dir={source}",
         "dataset_key=demo", f"output_dir={work / 'official'}"],
        PROJECT,
        path_env,
    )  # fmt: skip

    ours_keys = ("dbt build +meds_events +meds_codes lake_lineage", "export meds")
    ours = (sum(results[k][0] for k in ours_keys), max(results[k][1] for k in ours_keys))
    with_convert = (ours[0] + results["convert (raw -> lake, every module)"][0],
                    max(ours[1], results["convert (raw -> lake, every module)"][1]))  # fmt: skip
    official = results["official ETL (meds-extract-run)"]
    scale = FULL_SUBJECTS / args.subjects
    print(f"\nMEDS benchmark: {args.subjects:,} synthetic subjects (seed {args.seed}), {os.cpu_count()} CPUs")
    print(f"events: ours {rows_in(work / 'ours'):,} (all families), official {rows_in(work / 'official'):,}")
    print(f"{'step':<42} {'seconds':>9} {'peak RSS':>11}")
    for name, (seconds, peak) in results.items():
        print(f"{name:<42} {seconds:>9.1f} {mib(peak):>11}")
    print(f"{'ours (dbt build + export)':<42} {ours[0]:>9.1f} {mib(ours[1]):>11}")
    print(f"{'ours including convert':<42} {with_convert[0]:>9.1f} {mib(with_convert[1]):>11}")
    speedup, speedup_all = official[0] / ours[0], official[0] / with_convert[0]
    print(f"speed-up, official / ours: {speedup:.1f}x ({speedup_all:.1f}x with convert)")
    memory, memory_all = ours[1] / official[1], with_convert[1] / official[1]
    print(f"peak memory, ours / official: {memory:.2f} ({memory_all:.2f} with convert)")
    print(
        f"linear projection to MIMIC-IV 3.1 ({FULL_SUBJECTS:,} subjects, x{scale:,.0f}): ours "
        f"{ours[0] * scale / 60:,.0f} min ({with_convert[0] * scale / 60:,.0f} min with convert), official "
        f"{official[0] * scale / 60:,.0f} min (its maintainers report 32 min, 20.3 GB); peak memory is "
        "bounded by DuckDB's memory limit on our side and does not scale linearly"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
