"""`python -m convert PATH [PATH ...] --lake DIR`: raw PhysioNet releases -> typed Parquet lake."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from mimic_mm.convert.errors import ConvertError
from mimic_mm.convert.runner import DEFAULT_MEMORY_GB, Options, Result, convert

log = logging.getLogger("mimic_mm.convert")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m convert",
        description=(
            "Convert raw PhysioNet releases (MIMIC-IV 1.0/2.x/3.x, MIMIC-IV-ED, MIMIC-IV-Note, "
            "MIMIC-CXR-JPG, MIMIC-CXR, REFLACX, EyeGaze) into a typed Parquet lake "
            "LAKE/<module>/<table>.parquet with a "
            "manifest LAKE/_manifest.json of sources, checksums and row counts. Releases are recognised by "
            "their content; modules that are not found are written as empty tables."
        ),
    )
    p.add_argument(
        "paths",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="a release root or any folder above one (searched recursively), e.g. physionet.org/files",
    )
    p.add_argument(
        "--lake", type=Path, required=True, help="output folder of the Parquet lake (created, mode 0700)"
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="rebuild every table even when its source checksums are unchanged",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=2,
        help="tables converted at the same time (default 2: one per core on a 2-core machine)",
    )
    p.add_argument(
        "--only",
        nargs="+",
        default=[],
        metavar="MODULE/TABLE",
        help="convert only these lake tables, e.g. hosp/admissions icu/chartevents (others are left as is)",
    )
    p.add_argument(
        "--memory-limit",
        "--memory-limit-gb",  # the old spelling, kept working; `export` says --memory-limit too
        dest="memory_limit_gb",
        type=_gigabytes,
        default=DEFAULT_MEMORY_GB,
        help="total DuckDB memory limit, shared between the workers, e.g. 1GB or 500MB (default 1GB). "
        "DuckDB fills whatever it is given while it keeps the rows in file order, so a larger limit only "
        "buys a little speed (measured: 16,000 subjects, 6GB: 3.0 GB peak, 17.5 s; 1GB: 1.2 GB, 20 s); "
        "beyond it, DuckDB spills to the lake's temporary folder",
    )
    p.add_argument(
        "--allow-missing",
        default="",
        metavar="TABLE,...|all",
        help=(
            "build these lake tables (module/table, comma-separated, or all) empty when a release that is"
            " found lacks their raw file; the manifest records them with status missing_allowed. Without"
            " it a missing file is an error. (A module whose release is not found at all is written empty"
            " with a warning either way.)"
        ),
    )
    p.add_argument("-v", "--verbose", action="store_true", help="log every table as it finishes")
    p.add_argument(
        "--debug",
        action="store_true",
        help="show the Python traceback of an unexpected error (default: one line)",
    )
    return p.parse_args(argv)


def _gigabytes(text: str) -> float:
    """`6`, `6GB`, `500MB` -> gigabytes (a bare number is GB, as the old --memory-limit-gb took)."""
    units = {"TB": 1024.0, "GB": 1.0, "MB": 1 / 1024, "KB": 1 / 1024**2}
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    scale = units.get(t[-1:] + "B") if t[-1:].isalpha() else 1.0
    try:
        value = float(t[:-1] if t[-1:].isalpha() else t)
    except ValueError:
        value = -1.0
    if scale is None or value <= 0:
        raise argparse.ArgumentTypeError(f"not a memory size: {text!r} (e.g. 6GB, 500MB)")
    return value * scale


def _human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def summary(results: list[Result]) -> str:
    """One screen: a line per table with data (or a failure), absent tables grouped per module."""
    lines = [f"{'table':36} {'status':9} {'release':20} {'rows':>12} {'bytes':>10} {'seconds':>8}"]
    absent: dict[str, list[str]] = {}
    for r in results:
        if r.status == "absent":
            absent.setdefault(r.task.module, []).append(r.task.table)
            continue
        lines.append(
            f"{r.task.key:36} {r.status:9} {(r.task.release or '-'):20} {r.parquet_rows:>12,}"
            f" {_human(r.parquet_bytes):>10} {r.seconds:>8.1f}"
        )
    for r in results:
        rejected = r.entry.get("rejected_ids") or []
        if rejected:
            shown = ", ".join(repr(i) for i in rejected[:5]) + (" ..." if len(rejected) > 5 else "")
            lines.append(f"{r.task.key:36} skipped {len(rejected)} rows with bad identifiers: {shown}")
    for module, tables in sorted(absent.items()):
        lines.append(f"{module + '/*':36} {'absent':9} written empty: {len(tables)} tables")
    counts = {
        s: sum(1 for r in results if r.status == s) for s in ("converted", "skipped", "absent", "failed")
    }
    total_rows = sum(r.parquet_rows for r in results)
    total_bytes = sum(r.parquet_bytes for r in results)
    lines.append(
        f"{len(results)} tables: "
        + ", ".join(f"{n} {s}" for s, n in counts.items())
        + f"; {total_rows:,} rows, {_human(total_bytes)}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    opts = Options(
        args.paths,
        args.lake,
        args.force,
        args.workers,
        args.only,
        args.memory_limit_gb,
        [t.strip() for t in args.allow_missing.split(",") if t.strip()],
    )
    try:
        results, _ = convert(opts)
    except ConvertError as exc:
        log.error("%s", exc)
        return 2
    except KeyboardInterrupt:
        log.error("interrupted: finished tables are kept in %s; run again to resume", args.lake)
        return 130
    except Exception as exc:
        if args.debug:
            raise
        where = f" ({exc.filename})" if isinstance(exc, OSError) and exc.filename else ""
        log.error("%s%s: %s (run with --debug for the traceback)", type(exc).__name__, where, exc)
        return 2
    print(summary(results), file=sys.stderr)
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        print(f"ERROR {r.error}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
