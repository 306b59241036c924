"""CLI: python -m mimic_mm.concepts --mimic-code /path/to/mimic-code [--warehouse W] [--copy-to DIR]."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from tqdm import tqdm

from mimic_mm.concepts import (
    DERIVED,
    concept_files,
    concepts_dir,
    copy_warehouse,
    run_concepts,
    run_concepts_cli,
)

log = logging.getLogger("mimic_mm.concepts")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m mimic_mm.concepts",
        description="Build mimic-code's DuckDB concepts (its concepts_duckdb/duckdb.sql, in that order and "
        f"unchanged) into the `{DERIVED}` schema of the warehouse, reading the warehouse's mimiciv_hosp and "
        "mimiciv_icu views. Run `dbt build` first.",
    )
    parser.add_argument(
        "--mimic-code",
        type=Path,
        required=True,
        help="a mimic-code checkout (or its mimic-iv/concepts_duckdb folder)",
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(os.environ.get("MIMIC_DUCKDB_PATH", "build/warehouse.duckdb")),
        help="the dbt warehouse (default: $MIMIC_DUCKDB_PATH, else build/warehouse.duckdb)",
    )
    parser.add_argument(
        "--copy-to",
        type=Path,
        help="copy the warehouse into this folder (same file name) and build the concepts there, leaving the "
        "warehouse untouched; without it the concepts are written into the warehouse itself",
    )
    parser.add_argument(
        "--engine",
        choices=("python", "cli"),
        default="python",
        help="python (default): the project's DuckDB runs each file; cli: a DuckDB command-line shell runs "
        "duckdb.sql from the concepts folder as mimic-code's build_mimic.sh does (use the CLI version "
        "mimic-code's own build used to get its results to the bit; DuckDB 2.0 rounds a few values of "
        "norepinephrine_equivalent_dose differently from 1.5)",
    )
    parser.add_argument(
        "--duckdb-cli",
        default="duckdb",
        help="the DuckDB shell for --engine cli (default: duckdb on PATH; the dev extra installs one)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar; warnings only")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.INFO,
        format="%(levelname)s %(message)s",
        stream=sys.stderr,
    )
    if not args.warehouse.is_file():
        parser.error(f"{args.warehouse}: no warehouse (run dbt build first)")
    folder = concepts_dir(args.mimic_code)
    database = copy_warehouse(args.warehouse, args.copy_to) if args.copy_to else args.warehouse
    total = len(concept_files(folder))
    empty = []
    with tqdm(total=total, unit="concept", disable=args.quiet, file=sys.stderr) as bar:
        runs = (
            run_concepts_cli(database, folder, args.duckdb_cli)
            if args.engine == "cli"
            else run_concepts(database, folder)
        )
        for path, rows in runs:
            bar.set_postfix_str(path.stem)
            bar.update()
            if rows == 0:
                empty.append(path.stem)
    log.info("%d concepts built into %s.%s", total, database, DERIVED)
    if empty:
        log.info("empty concept tables: %s", ", ".join(empty))
    return 0


if __name__ == "__main__":
    sys.exit(main())
