"""python -m mimic_mm.embed images|notes (also `mimic-mm embed images|notes`): HAIM's image and note vectors.

  images  torchxrayvision DenseNet121 -> LAKE/embeddings/image_vectors/ (vd: 1024 pooled features, vp: 18
          predictions), one row per image of the HAIM cohort (marts.haim_cxr) or of the release (--all-images)
  notes   a local Hugging Face BERT (HAIM: Bio_ClinicalBERT) -> LAKE/embeddings/note_vectors/ (pooler_output
          per chunk of HAIM's note split) + LAKE/embeddings/note_fallback_vector.parquet

Nothing is downloaded: the weights must be on disk. A rerun with the same weights resumes or says "up to
date"; other weights replace every stored vector of that kind. Needs the `embed` extra:
pip install '.[embed]'.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from mimic_mm.cores import available_cpus
from mimic_mm.embed.device import DEVICES, PRECISIONS

log = logging.getLogger("mimic_mm.embed")

PRECISION_HELP = (
    "numeric precision of the model body: float32 (default: IEEE float32 everywhere, cuDNN's TF32 off), "
    "tf32 (CUDA only: TF32 matmuls/convolutions), bf16 or fp16 (autocast). Anything but float32 changes "
    "the vectors; docs/embeddings.md gives the measured deviation. The precision is part of the stored "
    "fingerprint"
)


def _default_lake() -> Path:
    return Path(os.environ.get("MIMIC_LAKE", "build/lake"))


def _default_db() -> Path:
    return Path(os.environ.get("MIMIC_DUCKDB_PATH", "build/warehouse.duckdb"))


def _common(p: argparse.ArgumentParser, batch: int) -> None:
    p.add_argument(
        "--db",
        "--warehouse",
        dest="db",
        type=Path,
        default=_default_db(),
        help="DuckDB warehouse built by `dbt build`, opened read-only: the list of images/notes "
        "(default: $MIMIC_DUCKDB_PATH or build/warehouse.duckdb)",
    )
    p.add_argument(
        "--lake",
        type=Path,
        default=_default_lake(),
        help="lake root written by `convert`; vectors go to LAKE/embeddings/ "
        "(default: $MIMIC_LAKE or build/lake)",
    )
    p.add_argument(
        "--device",
        choices=DEVICES,
        default="auto",
        help="where the model runs: auto = the CUDA GPU when torch sees one, else the CPU (default auto)",
    )
    p.add_argument("--precision", choices=PRECISIONS, default="float32", help=PRECISION_HELP)
    p.add_argument(
        "--batch-size",
        type=int,
        default=batch,
        help=f"items per forward pass (default {batch}; 64-256 on a GPU)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    p.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mimic_mm.embed",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="images|notes")

    images = sub.add_parser("images", help="DenseNet121 vd/vp of every image", description=__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    _common(images, batch=32)
    which = images.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--weights",
        metavar="NAME",
        help="torchxrayvision weight name (HAIM: densenet121-res224-chex), read from torchxrayvision's cache "
        "folder (~/.torchxrayvision/models_data/) or --weights-dir under the file name torchxrayvision uses",
    )
    which.add_argument(
        "--weights-file",
        metavar="FILE",
        type=Path,
        help="torch.save'd state_dict of xrv.models.DenseNet(weights=None) (an `op_threshs` entry, if "
        "any, is applied as torchxrayvision does)",
    )
    images.add_argument("--weights-dir", metavar="DIR", help="folder holding the file of --weights NAME")
    images.add_argument(
        "--workers",
        type=int,
        default=min(4, max(1, available_cpus() - 1)),
        help="processes decoding JPEGs ahead of the model (0 = decode in the main process; "
        "default: cores - 1, at most 4)",
    )
    images.add_argument(
        "--all-images", action="store_true", help="every image of the release, not only the HAIM cohort's"
    )
    images.add_argument(
        "--part-size", type=int, default=1024, help="images per Parquet part (the unit a rerun resumes from)"
    )
    images.add_argument(
        "--fast-decode",
        action="store_true",
        help="PIL draft decode: faster on full-size JPEGs but NOT HAIM's pixels "
        "(recorded as decode=pil-draft)",
    )
    images.add_argument(
        "--retry-skipped",
        action="store_true",
        help="try again the images a previous run skipped (missing or unreadable file)",
    )

    notes = sub.add_parser("notes", help="BERT pooler_output of every note chunk", description=__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    _common(notes, batch=16)
    notes.add_argument(
        "--model",
        metavar="DIR",
        type=Path,
        required=True,
        help="local Hugging Face model folder (config.json, weights, tokenizer files), e.g. a download of "
        "emilyalsentzer/Bio_ClinicalBERT; its files' sha256 is the stored fingerprint",
    )
    notes.add_argument(
        "--all-notes", action="store_true", help="every radiology note of the release, not only the cohort's"
    )
    notes.add_argument(
        "--part-size", type=int, default=512, help="notes per Parquet part (the unit a rerun resumes from)"
    )
    return parser


def _positive(parser: argparse.ArgumentParser, args: argparse.Namespace, *names: str) -> None:
    for name in names:
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _positive(parser, args, "batch_size", "part_size")
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        summary = _images(args) if args.command == "images" else _notes(args)
    except KeyboardInterrupt:
        log.error("interrupted: finished parts are kept and a rerun resumes after them")
        return 130
    except ImportError as exc:
        log.error("%s: install the embed extra (pip install '.[embed]')", exc)
        return 2
    except Exception as exc:  # one line for the user; -v shows the traceback
        from mimic_mm.embed.errors import USER_ERRORS

        if not isinstance(exc, USER_ERRORS):
            raise
        log.debug("details", exc_info=True)
        log.error("%s", exc)
        return 2
    summary.print()
    return 0


def _images(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from mimic_mm.embed.image_model import file_weights, named_weights
    from mimic_mm.embed.images import ImageRun, run_images

    if args.weights_dir and not args.weights:
        raise SystemExit("--weights-dir goes with --weights NAME")
    weights = (
        file_weights(args.weights_file)
        if args.weights_file
        else named_weights(args.weights, args.weights_dir)
    )
    return run_images(
        ImageRun(
            db=args.db,
            lake=args.lake,
            weights=weights,
            device=args.device,
            precision=args.precision,
            batch_size=args.batch_size,
            workers=max(0, args.workers),
            part_size=args.part_size,
            all_images=args.all_images,
            fast_decode=args.fast_decode,
            retry_skipped=args.retry_skipped,
        )
    )


def _notes(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from mimic_mm.embed.notes import NoteRun, run_notes

    if not args.model.is_dir():
        from mimic_mm.embed.note_model import ModelError

        raise ModelError(f"model folder not found: {args.model} (nothing is downloaded: pass a local folder)")
    return run_notes(
        NoteRun(
            db=args.db,
            lake=args.lake,
            model_dir=args.model,
            device=args.device,
            precision=args.precision,
            batch_size=args.batch_size,
            part_size=args.part_size,
            all_notes=args.all_notes,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
