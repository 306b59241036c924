"""Entry points behind the CLI: select subjects, write spreadsheets and folders, print the summary."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mimic_mm import identifiers as ids
from mimic_mm.atomic_fs import atomic_dir, remove_stale_temps
from mimic_mm.export.atomic import ExportLock
from mimic_mm.export.mimic_eye import fingerprint as fp
from mimic_mm.export.mimic_eye import spreadsheets
from mimic_mm.export.mimic_eye.checks import verify_export
from mimic_mm.export.mimic_eye.exporter import (
    PATIENT_PREFIX,
    Options,
    all_subjects,
    folder_settings,
    run_export,
    write_errors,
)
from mimic_mm.export.mimic_eye.patient import ERRORS_FILE
from mimic_mm.export.progress import Summary, human_bytes, progress_bar
from mimic_mm.export.selection import Shard, parse_shard, parse_subjects, select_subjects
from mimic_mm.export.warehouse import check_lake_unchanged, connect

log = logging.getLogger("mimic_mm.export.mimic_eye")

REJECTED_SHOWN = 5  # identifiers named in the summary; the errors file lists every one
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


class SettingsChangedError(RuntimeError):
    """The output folder holds an export made from another warehouse or with other settings."""


def _selection(args: argparse.Namespace, shard: Shard | None) -> dict[str, Any]:
    """The selection part of the settings; a shard's own index is left out so that the N shards of one export
    agree (each writes a disjoint part of the same folder)."""
    subjects = parse_subjects(args.subjects)
    listed = None
    if subjects is not None:
        ids = sorted(subjects)
        listed = {"count": len(ids), "sha256": fp.fingerprint({"ids": ids})}
    return {"subjects": listed, "limit": args.limit, "shards": shard.count if shard else None}


def _whole_selection(cohort: list[int], args: argparse.Namespace, shard: Shard | None) -> set[int]:
    """Every subject the export (all of its shards) holds."""
    subjects = parse_subjects(args.subjects)
    if shard is None:
        return set(select_subjects(cohort, subjects, None, args.limit))
    return {
        s
        for k in range(1, shard.count + 1)
        for s in select_subjects(cohort, subjects, Shard(k, shard.count), args.limit)
    }


def _check_settings(out: Path, doc: dict[str, Any], force: bool) -> bool:
    """Compare the export's manifest with this run's settings: True when they differ (--force given),
    an error when they differ without --force."""
    old = fp.read_json(out / fp.MANIFEST)
    if old is not None and old.get("fingerprint") == doc["fingerprint"]:
        return False
    has_output = any(out.glob(f"{PATIENT_PREFIX}*")) or (out / spreadsheets.FOLDER).exists()
    if old is None and not has_output:
        return False
    if old is None:
        what = "an export whose settings are unknown (no manifest)"
    else:
        what = (
            "an export made with other settings ("
            + "; ".join(fp.differences(old.get("settings", {}), doc["settings"]))
            + ")"
        )
    if not force:
        raise SettingsChangedError(
            f"{out} holds {what}; pass --force to rebuild it with these settings (folders of subjects "
            "outside the new selection are removed), or choose another --out"
        )
    log.warning("%s holds %s; rebuilding it (--force)", out, what)
    return True


def _remove_outside(out: Path, keep: set[int]) -> int:
    """Delete patient folders of subjects the export no longer holds; returns how many."""
    removed = 0
    for folder in out.glob(f"{PATIENT_PREFIX}*"):
        sid = folder.name.removeprefix(PATIENT_PREFIX)
        if folder.is_dir() and not folder.is_symlink() and not (sid.isdigit() and int(sid) in keep):
            shutil.rmtree(folder)
            removed += 1
    return removed


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
    bad_subjects = [s for s in cohort if not ids.positive_int(s)]
    cohort = [s for s in cohort if ids.positive_int(s)]
    chosen = select_subjects(cohort, parse_subjects(args.subjects), shard, args.limit)
    log.info("%d MIMIC-Eye subjects in the warehouse, %d selected", len(cohort), len(chosen))
    folder = folder_settings(opts)
    opts = dataclasses.replace(opts, settings=folder)
    manifest = fp.marker_doc("export", {**folder, **_selection(args, shard)})
    sheet_settings = {"warehouse": folder["warehouse"], "index": opts.index}
    # Disjoint shards may write into one folder side by side; only the first writes spreadsheets/.
    write_sheets = args.spreadsheets and (shard is None or shard.index == 1)
    with ExportLock(opts.out, part=f"{shard.index}-of-{shard.count}" if shard else None):
        if shard is None:
            stale = remove_stale_temps(opts.out, recursive=False)
            if stale:
                log.info("removed %d unfinished folders of an interrupted run", stale)
        if _check_settings(opts.out, manifest, opts.force):
            removed = _remove_outside(opts.out, _whole_selection(cohort, args, shard))
            if removed:
                log.info("removed %d folders of subjects outside the new selection", removed)
        fp.write_manifest(opts.out, manifest)
        progress = _progress(progress_bar)
        try:
            totals, skipped, seconds = run_export(opts, chosen, args.workers, progress)
        finally:
            for bar in progress.bars:  # type: ignore[attr-defined]
                bar.close()
        sheet_rows: dict[str, int] = {}
        sheets_dir = opts.out / spreadsheets.FOLDER
        sheets_current = fp.is_complete(sheets_dir, fp.fingerprint(sheet_settings))
        if write_sheets and (opts.force or not sheets_current):
            con = connect(opts.db)
            try:
                with atomic_dir(sheets_dir, fsync=opts.fsync) as tmp:
                    sheet_rows = spreadsheets.write_spreadsheets(con, Path(tmp), opts.index, opts.batch_size)
                    fp.write_marker(Path(tmp), fp.marker_doc("spreadsheets", sheet_settings))
            finally:
                con.close()
        elif not sheets_current and sheets_dir.is_dir() and (shard is None or shard.index == 1):
            shutil.rmtree(sheets_dir)  # written from another warehouse or settings, and not rewritten now
            log.info("removed %s: it was not written from this warehouse with these settings", sheets_dir)
        errors_file = write_errors(opts.out)

    rejected = [f"subject_id {s!r}" for s in bad_subjects] + totals.rejected
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
    summary.add("missing files, this run", len(totals.errors) - len(totals.rejected))
    summary.add("missing files, whole export", errors_file[1] if errors_file else 0)
    summary.add("rows skipped, invalid identifier", len(rejected))
    named = list(dict.fromkeys(rejected))  # one identifier refused in several files is named once
    for i, what in enumerate(named[:REJECTED_SHOWN], start=1):
        summary.add(f"  refused {i}", what)
    if len(named) > REJECTED_SHOWN:
        summary.add("  refused, not shown", len(named) - REJECTED_SHOWN)
    summary.print()
    if errors_file:
        log.warning("%d missing or refused files listed in %s", errors_file[1], errors_file[0])
    if rejected:
        log.error(
            "%d rows skipped: their identifiers do not have the published form (damaged or crafted "
            "metadata), so no file was written for them; they are listed in %s",
            len(rejected),
            opts.out / ERRORS_FILE,
        )
        return 1
    return 0


def verify_main(args: argparse.Namespace) -> int:
    con = connect(args.warehouse)
    try:
        check_lake_unchanged(con)
        result = verify_export(con, args.dir, args.warehouse)
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
