"""Command-line options and entry points of the MIMIC-Eye export."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from mimic_mm.export.cli import add_db_argument
from mimic_mm.export.mimic_eye.linking import LINK_MODES

log = logging.getLogger("mimic_mm.export.mimic_eye")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m export mimic-eye`."""
    add_db_argument(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build/export/mimic-eye"),
        help="output folder; patient_{subject_id}/ folders and spreadsheets/ are written "
        "inside it (default: build/export/mimic-eye)",
    )
    parser.add_argument(
        "--subjects",
        default=None,
        help="only these subject_ids: a comma-separated list or @FILE with one id per line",
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="only the first N selected subjects (by subject_id)"
    )
    parser.add_argument(
        "--shard",
        default=None,
        help="K/N: export only the K-th of N disjoint subject shards (run N exports in parallel "
        "or on N machines)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes, each streaming its own contiguous range of subjects (default 1)",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="rebuild folders that are already complete (default: skip folders whose completion marker "
        "matches, so a re-run resumes); also required to re-run into a folder exported from another "
        "warehouse or with other settings (cohort, --limit, --shard count, --link, --no-index), whose "
        "folders of subjects no longer selected are then removed",
    )
    parser.add_argument(
        "--no-index",
        dest="index",
        action="store_false",
        help="write CSVs without the leading unnamed index column the published files carry "
        "(default: keep it, so code written for the published dataset reads our files)",
    )
    parser.add_argument(
        "--link",
        choices=LINK_MODES,
        default="auto",
        help="how images, reports and transcript files are placed: auto = hard link when the "
        "lake and the output share a file system, copy otherwise; or force hardlink, copy "
        "or symlink (default auto)",
    )
    parser.add_argument(
        "--no-spreadsheets",
        dest="spreadsheets",
        action="store_false",
        help="do not write spreadsheets/ (shards other than 1/N never write it)",
    )
    parser.add_argument(
        "--fsync",
        action="store_true",
        help="fsync every file of a folder before renaming it into place, so a power loss cannot leave a "
        "renamed folder with unwritten files (slower: about 1 ms per file); an interrupted process never "
        "leaves a partial folder either way",
    )
    parser.add_argument(
        "--memory-limit",
        default="2GB",
        help="DuckDB memory limit of each worker process; larger sorts spill to a temporary folder inside "
        "--out (default 2GB)",
    )
    parser.add_argument("--batch-size", type=int, default=65_536, help="Arrow batch size of the streams")


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m export verify-eye DIR`."""
    add_db_argument(parser)
    if not any(a.dest == "dir" for a in parser._actions):
        parser.add_argument("dir", type=Path, help="a MIMIC-Eye export folder (holding patient_* folders)")


def run(args: argparse.Namespace) -> int:
    from mimic_mm.export.mimic_eye.entry import main

    return main(args)


def verify(args: argparse.Namespace) -> int:
    from mimic_mm.export.mimic_eye.entry import verify_main

    return verify_main(args)
