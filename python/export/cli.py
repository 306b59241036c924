"""`python -m export`: the HAIM and MIMIC-Eye exports and their verification.

Each export lives in a subpackage exposing `add_arguments(parser)`, `run(args) -> int` and
`verify(args) -> int`
(and optionally `add_verify_arguments(parser)`); they are imported only when the command line is built, so a
broken or missing exporter does not stop the other one.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from pathlib import Path
from types import ModuleType, SimpleNamespace

log = logging.getLogger("export")

# subcommand -> (module, folder under --out when every export runs, one-line help)
EXPORTERS = {
    "haim": ("export.haim", "haim", "write the HAIM-MIMIC-MM pickles (one Patient_ICU per ICU stay)"),
    "mimic-eye": ("export.mimic_eye", "mimic-eye", "write the MIMIC-Eye patient folders and spreadsheets"),
    "haim-embeddings": (
        "export.haim_embeddings",
        "haim-embeddings",
        "write marts.haim_embeddings as HAIM's CSV",
    ),
}
DEFAULT_OUT = Path("build/export")


def default_db() -> Path:
    return Path(os.environ.get("MIMIC_DUCKDB_PATH", "build/warehouse.duckdb"))


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    """`--db` (alias `--warehouse`): the DuckDB file, shared by every subcommand."""
    if any("--db" in a.option_strings for a in parser._actions):
        return
    parser.add_argument(
        "--db",
        "--warehouse",
        dest="warehouse",
        type=Path,
        default=default_db(),
        help="DuckDB warehouse built by `dbt build`, opened read-only "
        "(default: $MIMIC_DUCKDB_PATH or build/warehouse.duckdb)",
    )


def _load(name: str) -> SimpleNamespace | None:
    """The exporter's entry points, captured at import: a later import of a submodule with the same name
    (`export.mimic_eye.verify`) would otherwise shadow the package's `verify` function."""
    try:
        mod = importlib.import_module(EXPORTERS[name][0])
    except ImportError as exc:
        log.debug("exporter %s unavailable: %s", name, exc)
        return None
    entry = {fn: getattr(mod, fn, None) for fn in ("add_arguments", "add_verify_arguments", "run", "verify")}
    for fn, value in entry.items():
        if isinstance(value, ModuleType):  # already shadowed: the functions live in the subpackage's cli
            entry[fn] = getattr(importlib.import_module(f"{mod.__name__}.cli"), fn)
    return SimpleNamespace(__doc__=mod.__doc__, **entry)


def _add_logging(parser: argparse.ArgumentParser, top: bool = False) -> None:
    # Subcommands repeat the flags without defaults, so `-v haim` and `haim -v` both work.
    default = False if top else argparse.SUPPRESS
    parser.add_argument("-v", "--verbose", action="store_true", default=default, help="log debug messages")
    parser.add_argument(
        "-q", "--quiet", action="store_true", default=default, help="log warnings and errors only"
    )


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, SimpleNamespace]]:
    parser = argparse.ArgumentParser(
        prog="python -m export",
        description="Export the linked cohorts from the dbt warehouse. Without a subcommand every export "
        "runs with its defaults: HAIM into OUT/haim and MIMIC-Eye into OUT/mimic-eye.",
    )
    add_db_argument(parser)
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="root output folder when every export runs (default: build/export)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes for every export (default: each export's own default)",
    )
    _add_logging(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="{haim,mimic-eye,haim-embeddings,verify}")
    modules: dict[str, SimpleNamespace] = {}
    for name, (_module, _folder, helptext) in EXPORTERS.items():
        mod = _load(name)
        if mod is None:
            continue
        modules[name] = mod
        p = sub.add_parser(name, help=helptext, description=(mod.__doc__ or helptext).strip())
        add_db_argument(p)
        _add_logging(p)
        mod.add_arguments(p)
    v = sub.add_parser(
        "verify",
        help="check an export folder against the marts (layout detected)",
        description="Re-open an export and check it against the warehouse. DIR may be a HAIM "
        "folder, a MIMIC-Eye folder, or a root holding haim/ and mimic-eye/.",
    )
    v.add_argument("dir", type=Path, help="export folder to check")
    add_db_argument(v)
    _add_logging(v)
    for mod in modules.values():
        add_verify = getattr(mod, "add_verify_arguments", None)
        if add_verify is not None:
            add_verify(v)
    return parser, modules


def detect_layout(folder: Path) -> list[tuple[str, Path]]:
    """Which exporter wrote `folder`: [(exporter, folder)], or one entry per sub-export of a root folder."""
    if (folder / "haim_mimiciv_key_ids.csv").is_file() or (folder / "pickle").is_dir():
        return [("haim", folder)]
    if any(folder.glob("haim_embeddings.*")):
        return [("haim-embeddings", folder)]
    if (folder / "spreadsheets").is_dir() or any(folder.glob("patient_*")):
        return [("mimic-eye", folder)]
    found: list[tuple[str, Path]] = []
    for name, (_m, sub, _h) in EXPORTERS.items():
        if (folder / sub).is_dir():
            found += [(kind, path) for kind, path in detect_layout(folder / sub) if kind == name]
    return found


def _sub_args(
    parser: argparse.ArgumentParser, name: str, args: argparse.Namespace, out: Path
) -> argparse.Namespace:
    """The namespace `python -m export NAME --out OUT/… [--workers N]` would give."""
    sub_parser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[name]
    argv = ["--db", str(args.warehouse), "--out", str(out)]
    if args.workers is not None:
        argv += ["--workers", str(args.workers)]
    ns = sub_parser.parse_args(argv)
    ns.command = name
    return ns


def main(argv: list[str] | None = None) -> int:
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        if args.command is None:
            status = 0
            for name, mod in modules.items():
                log.info("running the %s export", name)
                status = max(status, mod.run(_sub_args(parser, name, args, args.out / EXPORTERS[name][1])))
            return status
        if args.command == "verify":
            layouts = detect_layout(args.dir)
            if not layouts:
                log.error("%s is neither a HAIM nor a MIMIC-Eye export folder", args.dir)
                return 2
            status = 0
            for name, folder in layouts:
                if name not in modules:
                    log.error("%s looks like a %s export but that exporter is unavailable", folder, name)
                    return 2
                ns = argparse.Namespace(**vars(args))
                ns.dir = folder
                status = max(status, modules[name].verify(ns))
            return status
        return modules[args.command].run(args)
    except (OSError, RuntimeError, ValueError) as exc:
        log.error("%s", exc)
        if args.verbose:
            log.exception("details")
        return 2
    except KeyboardInterrupt:
        log.error("interrupted; completed samples are kept and a re-run resumes")
        return 130
