"""`python -m export`: the HAIM and MIMIC-Eye exports and their verification.

Every subcommand is declared once in `build_parser` below: its options come from the exporter's own
`add_arguments(parser)` and its work from `run(args) -> int` / `verify(args) -> int`. To add a subcommand,
add one `sub.add_parser(...)` block there (and, if `python -m export` without a subcommand should run it
too, one entry in ALL_EXPORTS).

Options shared by every subcommand (`--db`, `-v`, `-q`, `--debug`) may be given before or after the
subcommand and are honoured either way; `--out`/`--workers` before a subcommand belong to the all-exports
run and are rejected with a subcommand (give them after it). Errors end in one line on stderr and a non-zero
exit code; the traceback only with `--debug`.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

log = logging.getLogger("mimic_mm.export")

DEFAULT_OUT = Path("build/export")
# subcommands `python -m export` runs when no subcommand is given, and their folder under --out
ALL_EXPORTS = {"haim": "haim", "mimic-eye": "mimic-eye", "haim-embeddings": "haim-embeddings", "meds": "meds"}


def default_db() -> Path:
    return Path(os.environ.get("MIMIC_DUCKDB_PATH", "build/warehouse.duckdb"))


def add_db_argument(parser: argparse.ArgumentParser, default: object = None) -> None:
    """`--db` (alias `--warehouse`): the DuckDB file. Every subcommand already has it (shared options);
    exporters calling this on their parser get that one, so the option is declared once."""
    with contextlib.suppress(argparse.ArgumentError):  # conflict: the subcommand already has --db
        parser.add_argument(
            "--db",
            "--warehouse",
            dest="warehouse",
            type=Path,
            default=default_db() if default is None else default,
            help="DuckDB warehouse built by `dbt build`, opened read-only "
            "(default: $MIMIC_DUCKDB_PATH or build/warehouse.duckdb)",
        )


def _add_shared(parser: argparse.ArgumentParser, top: bool) -> None:
    """Options every subcommand takes. Below a subcommand their default is SUPPRESS, so a value given before
    the subcommand (`--db X haim`) is not overwritten by the subcommand's default."""
    add_db_argument(parser, default=None if top else argparse.SUPPRESS)
    flag = False if top else argparse.SUPPRESS
    parser.add_argument("-v", "--verbose", action="store_true", default=flag, help="log debug messages")
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=flag, help="log warnings and errors only"
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=flag,
        help="on error, print the full traceback (default: one line naming the problem)",
    )


def _shared_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    _add_shared(parent, top=False)
    return parent


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The parser and each subcommand's parser by name. Exporter modules are imported here, not at module
    import, so `python -m export --help` stays cheap; their heavy imports happen in `run`/`verify`."""
    from mimic_mm.export.haim import cli as haim_cli
    from mimic_mm.export.haim_embeddings import cli as embeddings_cli
    from mimic_mm.export.meds import cli as meds_cli
    from mimic_mm.export.mimic_eye import cli as eye_cli

    parser = argparse.ArgumentParser(
        prog="python -m export",
        description="Export the linked cohorts from the dbt warehouse. Without a subcommand every export "
        "runs with its defaults, each into OUT/<subcommand>: haim, mimic-eye, haim-embeddings and meds.",
    )
    _add_shared(parser, top=True)
    parser.add_argument(
        "--out",
        dest="root_out",
        type=Path,
        default=None,
        help="root output folder when every export runs (default: build/export); with a subcommand give "
        "--out after it",
    )
    parser.add_argument(
        "--workers",
        dest="root_workers",
        type=int,
        default=None,
        help="worker processes for every export when every export runs (default: each export's own); "
        "with a subcommand give --workers after it",
    )
    sub = parser.add_subparsers(dest="command", metavar="{haim,mimic-eye,haim-embeddings,meds,verify}")
    shared = _shared_parent()
    subs: dict[str, argparse.ArgumentParser] = {}

    exporters = (
        (
            "haim",
            haim_cli,
            "write the HAIM-MIMIC-MM pickles (one Patient_ICU per ICU stay)",
            "Write one HAIM Patient_ICU pickle per ICU stay of the cohort, the key file, the manifest, the "
            "checksums and the errors file. A re-run resumes: complete pickles whose checksum matches are "
            "kept.",
        ),
        (
            "mimic-eye",
            eye_cli,
            "write the MIMIC-Eye patient folders and spreadsheets",
            "Write one patient_{subject_id}/ folder per MIMIC-Eye subject and spreadsheets/.",
        ),
        (
            "haim-embeddings",
            embeddings_cli,
            "write HAIM's table (whole with embeddings, or tabular) as HAIM's CSV (or Parquet)",
            (embeddings_cli.__doc__ or "").strip(),
        ),
        (
            "meds",
            meds_cli,
            "write the MEDS dataset (data shards, codes, splits, dataset.json)",
            "Write marts.meds_events as a MEDS 0.4 dataset: data/{train,tuning,held_out}/N.parquet, "
            "metadata/codes.parquet, metadata/dataset.json, metadata/subject_splits.parquet. Built beside "
            "--out and renamed when complete; a re-run with the same warehouse and settings keeps finished "
            "shards.",
        ),
    )
    for name, module, help_, description in exporters:
        exporter = sub.add_parser(name, parents=[shared], help=help_, description=description)
        module.add_arguments(exporter)
        exporter.set_defaults(run=module.run)
        subs[name] = exporter

    verify = sub.add_parser(
        "verify",
        parents=[shared],
        help="check an export folder against the marts (layout detected)",
        description="Re-open an export and check it against the warehouse. DIR may be a HAIM "
        "folder, a MIMIC-Eye folder, a MEDS dataset, or a root holding haim/ and mimic-eye/. Exit code 1 "
        "when a problem is found.",
    )
    verify.add_argument("dir", type=Path, help="export folder to check")
    haim_cli.add_verify_arguments(verify)
    verify.set_defaults(
        run=_verify,
        verifiers={
            "haim": haim_cli.verify,
            "mimic-eye": eye_cli.verify,
            "haim-embeddings": embeddings_cli.verify,
            "meds": meds_cli.verify,
        },
    )
    subs["verify"] = verify
    return parser, subs


def detect_layout(folder: Path) -> list[tuple[str, Path]]:
    """Which exporter wrote `folder`: [(exporter, folder)], or one entry per sub-export of a root folder."""
    if (folder / "haim_mimiciv_key_ids.csv").is_file() or (folder / "pickle").is_dir():
        return [("haim", folder)]
    if (folder / "metadata" / "dataset.json").is_file() and (folder / "data").is_dir():
        return [("meds", folder)]
    if any(folder.glob("haim_embeddings.*")):
        return [("haim-embeddings", folder)]
    if (folder / "spreadsheets").is_dir() or any(folder.glob("patient_*")):
        return [("mimic-eye", folder)]
    found: list[tuple[str, Path]] = []
    for name, sub in ALL_EXPORTS.items():
        if (folder / sub).is_dir():
            found += [(kind, path) for kind, path in detect_layout(folder / sub) if kind == name]
    return found


def _verify(args: argparse.Namespace) -> int:
    if not args.dir.is_dir():
        raise ValueError(f"verify: {args.dir} is not a folder")
    layouts = detect_layout(args.dir)
    if not layouts:
        raise ValueError(f"verify: {args.dir} is neither a HAIM, a MIMIC-Eye nor a MEDS export folder")
    status = 0
    for name, folder in layouts:
        ns = argparse.Namespace(**vars(args))
        ns.dir = folder
        status = max(status, args.verifiers[name](ns))
    return status


def _run_all(args: argparse.Namespace, subs: dict[str, argparse.ArgumentParser]) -> int:
    """`python -m export [--out ROOT] [--workers N]`: each export as `… NAME --out ROOT/NAME`."""
    root = args.root_out or DEFAULT_OUT
    status = 0
    for name, folder in ALL_EXPORTS.items():
        argv = ["--db", str(args.warehouse), "--out", str(root / folder)]
        if args.root_workers is not None:
            argv += ["--workers", str(args.root_workers)]
        ns = subs[name].parse_args(argv)
        ns.command, ns.debug, ns.verbose, ns.quiet = name, args.debug, args.verbose, args.quiet
        log.info("running the %s export", name)
        status = max(status, ns.run(ns))
    return status


def one_line(exc: BaseException) -> str:
    """The first line of an error message (DuckDB appends context lines and carets)."""
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


@contextlib.contextmanager
def sigint_recorded() -> Iterator[threading.Event]:
    """While inside, Ctrl-C still raises KeyboardInterrupt and is also recorded: DuckDB stops a query on
    Ctrl-C but reports it as a plain "Query interrupted" error, which main() must still treat as Ctrl-C."""
    seen = threading.Event()
    if threading.current_thread() is not threading.main_thread():  # signal handlers live in the main thread
        yield seen
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        seen.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield seen
    finally:
        signal.signal(signal.SIGINT, previous)


def main(argv: list[str] | None = None) -> int:
    # Everything this process and its workers create (exports, temporary files, DuckDB spill folders) holds
    # patient data: owner-only whatever the user's umask.
    os.umask(0o077)
    parser, subs = build_parser()
    args = parser.parse_args(argv)
    if args.command is not None:
        for opt, value in (("--out", args.root_out), ("--workers", args.root_workers)):
            if value is not None:
                parser.error(
                    f"{opt} before the subcommand only applies when every export runs; "
                    f"write `python -m export {args.command} {opt} …`"
                )
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    with sigint_recorded() as interrupted:
        try:
            if args.command is None:
                return _run_all(args, subs)
            return int(args.run(args))
        except KeyboardInterrupt:
            log.error("interrupted; completed samples are kept and a re-run resumes")
            return 130
        except Exception as exc:  # every failure ends in one line; --debug shows where it came from
            if interrupted.is_set():  # a Ctrl-C that DuckDB met inside a query and reported as its own error
                log.error("interrupted; completed samples are kept and a re-run resumes")
                return 130
            if args.debug:
                log.exception("%s", one_line(exc))
            else:
                print(f"error: {one_line(exc)}", file=sys.stderr)
            return 2
