"""Options of `python -m export meds` and the entry points the export CLI calls."""

from __future__ import annotations

import argparse
from pathlib import Path

from mimic_mm.export.meds.layout import DEFAULT_SUBJECTS_PER_SHARD


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m export meds`."""
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build/export/meds"),
        help="the MEDS dataset folder (data/, metadata/), owner-only; an existing one is replaced when the "
        "new "
        "one is complete (default: build/export/meds)",
    )
    parser.add_argument(
        "--subjects-per-shard",
        type=int,
        default=DEFAULT_SUBJECTS_PER_SHARD,
        help="subjects per data shard; shards are numbered from 0 within each split "
        f"(default: {DEFAULT_SUBJECTS_PER_SHARD}, as the official MIMIC-IV MEDS ETL)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="DuckDB threads for the shard queries (default: DuckDB's, one per core)",
    )
    parser.add_argument(
        "--memory-limit",
        default="2GB",
        help="DuckDB memory limit; a larger shard sort spills to a temporary folder beside --out "
        "(default 2GB)",
    )


def run(args: argparse.Namespace) -> int:
    from mimic_mm.export.meds.writer import main

    return main(args)


def verify(args: argparse.Namespace) -> int:
    from mimic_mm.export.meds.check import verify_main

    return verify_main(args)
