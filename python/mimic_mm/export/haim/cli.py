"""Options of `python -m export haim` and `verify` for HAIM folders; the heavy imports happen in `run`."""

from __future__ import annotations

import argparse
from pathlib import Path

from mimic_mm.cores import available_cpus


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m export haim`."""
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("build/export/haim"),
        help="output folder (default: build/export/haim)",
    )
    parser.add_argument(
        "--cohort",
        choices=["default", "reference"],
        default="default",
        help="default: ICU stays of subjects with at least one CXR image (marts.haim_samples); "
        "reference: the HAIM notebook's list, subjects with a CheXpert label row "
        "(marts.haim_samples_reference)",
    )
    parser.add_argument(
        "--subjects",
        default=None,
        help="only these subject_ids: a comma-separated list, or a file (@FILE or a path) with "
        "ids separated by commas/whitespace/lines",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help="only the first N selected subjects (ascending subject_id), after --shard",
    )
    parser.add_argument(
        "--shard",
        default=None,
        help="K/N: only subjects with subject_id %% N == K-1, so N processes or machines split the "
        "work; shards may write into one --out side by side",
    )
    parser.add_argument(
        "--start-hour",
        type=float,
        default=None,
        help="keep timed rows (and CXR images) from admittime + H hours on (default: no bound)",
    )
    parser.add_argument(
        "--end-hour",
        type=float,
        default=None,
        help="keep timed rows (and CXR images) up to admittime + H hours (default: no bound)",
    )
    parser.add_argument(
        "--no-images",
        dest="images",
        action="store_false",
        help="do not decode images: imcxr is an empty list (cxr rows are still written)",
    )
    parser.add_argument(
        "--fast-images",
        action="store_true",
        help="decode images with PIL's reduced-scale JPEG decode (draft) and a bilinear resize instead of "
        "HAIM's cv2.imread + cv2.resize (the default). NOT HAIM's pixels: on real-size (about 2,500 x "
        "3,000) JPEGs the 224x224 arrays differ from OpenCV's by 4 to 8 grey levels on average (up to about "
        "100), with under 10%% of pixels equal (measured by benchmarks/bench_imcxr_decode.py), so image "
        "embeddings differ from HAIM's. Only faster, and not by much: about 1.3-1.9x per X-ray-like image. "
        "The mode is recorded in haim_export.json; a folder never mixes the two",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="rewrite every selected sample, and accept a folder exported with other settings "
        "(default: skip complete samples, refuse a folder with other settings)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=available_cpus(),
        help=f"worker processes, each exporting contiguous chunks of subjects with its own "
        f"read-only connection (default: cores = {available_cpus()})",
    )
    parser.add_argument(
        "--chunk-subjects",
        type=int,
        default=1000,
        help="subjects per worker task; bounds a task's memory (default 1000)",
    )
    parser.add_argument(
        "--memory-limit",
        default="1GB",
        help="DuckDB memory limit per worker; larger sorts spill to a temp folder (default 1GB)",
    )
    parser.add_argument("--batch-size", type=int, default=65_536, help="Arrow batch size of the streams")
    parser.add_argument(
        "--no-fsync",
        dest="fsync",
        action="store_false",
        help="skip fsync before each rename (faster; a crash may then leave damaged files, "
        "which a re-run detects and rewrites)",
    )


def add_verify_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m export verify DIR` that apply to HAIM folders."""
    parser.add_argument(
        "--sample",
        type=int,
        default=None,
        help="HAIM: check only N pickles spread over the folder (default: every pickle)",
    )
    parser.add_argument("--seed", type=int, default=0, help="HAIM: seed choosing the --sample pickles")


def run(args: argparse.Namespace) -> int:
    from mimic_mm.export.haim.entry import main

    return main(args)


def verify(args: argparse.Namespace) -> int:
    from mimic_mm.export.haim.entry import verify_main

    return verify_main(args)
