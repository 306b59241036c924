"""Entry points behind the CLI: select subjects, write spreadsheets and folders, print the summary."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path

from export.atomic import ExportLock, atomic_dir, remove_stale_temps
from export.mimic_eye import spreadsheets
from export.mimic_eye.checks import verify_export
from export.mimic_eye.exporter import Options, all_subjects, run_export, write_errors
from export.progress import Summary, human_bytes, progress_bar
from export.selection import parse_shard, parse_subjects, select_subjects
from export.warehouse import check_lake_unchanged, connect

log = logging.getLogger("export.mimic_eye")

SUBFOLDERS = ("Hosp", "ICU", "ED", "CXR-JPG", "CXR-DICOM", "REFLACX", "EyeGaze")


def _progress(bar_factory: Callable) -> Callable[[int], Callable[[int], None]]:
    """Adapter: the exporter asks for a `report(n)` callback once it knows how many folders it will write."""
    bars = []

    def start(total: int) -> Callable[[int], None]:
        bar = bar_factory(total=total, desc="patients", unit="patient")
        bars.append(bar)
        return bar.update

    start.bars = bars  # type: ignore[attr-defined]
    return start


def main(args: argparse.Namespace) -> int:
    opts = Options(
        db=args.warehouse,
        out=args.out,
        link=args.link,
        index=args.index,
        force=args.force,
        batch_size=args.batch_size,
        fsync=args.fsync,
        memory_limit=args.memory_limit,
    )
    shard = parse_shard(args.shard)
    check_lake_unchanged(opts.db)
    cohort = all_subjects(opts.db)
    chosen = select_subjects(cohort, parse_subjects(args.subjects), shard, args.limit)
    log.info("%d MIMIC-Eye subjects in the warehouse, %d selected", len(cohort), len(chosen))
    # Disjoint shards may write into one folder side by side; only the first writes spreadsheets/.
    write_sheets = args.spreadsheets and (shard is None or shard.index == 1)
    with ExportLock(opts.out, part=f"{shard.index}-of-{shard.count}" if shard else None):
        if shard is None:
            stale = remove_stale_temps(opts.out, recursive=False)
            if stale:
                log.info("removed %d unfinished folders of an interrupted run", stale)
        progress = _progress(progress_bar)
        try:
            totals, skipped, seconds = run_export(opts, chosen, args.workers, progress)
        finally:
            for bar in progress.bars:  # type: ignore[attr-defined]
                bar.close()
        sheet_rows: dict[str, int] = {}
        sheets_dir = opts.out / spreadsheets.FOLDER
        if write_sheets and (opts.force or not sheets_dir.exists()):
            con = connect(opts.db)
            try:
                with atomic_dir(sheets_dir, fsync=opts.fsync) as tmp:
                    sheet_rows = spreadsheets.write_spreadsheets(con, Path(tmp), opts.index, opts.batch_size)
            finally:
                con.close()
        errors_file = write_errors(opts.out)

    summary = Summary("MIMIC-Eye export")
    summary.add("patients selected", len(chosen))
    summary.add("patients written", totals.patients)
    summary.add("patients skipped (complete)", skipped)
    for sub in SUBFOLDERS:
        summary.add(f"files in {sub}/", totals.files.get(sub, 0))
    for how in ("linked", "copied", "symlinked"):
        summary.add(f"images/reports/files {how}", totals.placed.get(how, 0))
    summary.add("spreadsheets written", len(sheet_rows))
    summary.add("bytes written", human_bytes(totals.bytes))
    summary.add("seconds", f"{seconds:.1f}")
    summary.add("patients/s", f"{totals.patients / seconds:.1f}" if seconds else "-")
    summary.add("missing files, this run", len(totals.errors))
    summary.add("missing files, whole export", errors_file[1] if errors_file else 0)
    summary.print()
    if errors_file:
        log.warning("%d missing images/reports/files listed in %s", errors_file[1], errors_file[0])
    return 0


def verify_main(args: argparse.Namespace) -> int:
    con = connect(args.warehouse)
    try:
        check_lake_unchanged(con)
        result = verify_export(con, args.dir)
    finally:
        con.close()
    for problem in result.problems[:50]:
        log.error("%s", problem)
    summary = Summary("MIMIC-Eye verify")
    summary.add("patients checked", result.patients)
    summary.add("files checked", result.files_checked)
    summary.add("problems", len(result.problems))
    summary.print()
    return 0 if not result.problems else 1
