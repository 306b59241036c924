"""Write HAIM's table as the CSV HAIM's modelling scripts read (haim_embeddings.csv, one header line, HAIM's
column order, then subject_id, hadm_id, stay_id), or as Parquet; sorted by haim_id, img_id; owner-only. The
whole table (marts.haim_fusion: tabular columns plus the image and note embeddings) once vectors were embedded
(`python -m mimic_mm.embed images|notes`, then `dbt build --select +haim_fusion`), else the tabular table
(marts.haim_embeddings); the summary says which."""

from __future__ import annotations

import argparse
from pathlib import Path

from mimic_mm.export.haim_embeddings.layout import FORMATS
from mimic_mm.export.haim_embeddings.source import TABLES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m export haim-embeddings`."""
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build/export/haim-embeddings"),
        help="output folder, made owner-only (0700); the file inside is 0600 "
        "(default: build/export/haim-embeddings)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="csv",
        help="csv: haim_embeddings.csv, the file HAIM's modelling scripts read with pd.read_csv; "
        "parquet: haim_embeddings.parquet, the same columns in the same order, typed (default: csv)",
    )
    parser.add_argument(
        "--table",
        choices=TABLES,
        default="auto",
        help="auto: HAIM's whole table (marts.haim_fusion) when image or note vectors were embedded and the "
        "models rebuilt, else the tabular table (marts.haim_embeddings); whole: marts.haim_fusion even "
        "before any vector (model columns empty); tabular: marts.haim_embeddings (default: auto)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="DuckDB threads for the ordered scan and the file writer (default: DuckDB's, one per core)",
    )
    parser.add_argument(
        "--memory-limit",
        default="2GB",
        help="DuckDB memory limit; a larger sort spills to a temporary folder inside --out (default 2GB)",
    )


def run(args: argparse.Namespace) -> int:
    from mimic_mm.export.haim_embeddings.writer import main

    return main(args)


def verify(args: argparse.Namespace) -> int:
    from mimic_mm.export.haim_embeddings.check import verify_main

    return verify_main(args)
