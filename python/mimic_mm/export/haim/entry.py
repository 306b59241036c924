"""Entry points behind the CLI: select subjects, export, print the summary; verify a folder."""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable

from mimic_mm.cores import available_cpus
from mimic_mm.export.atomic import ExportLock
from mimic_mm.export.haim.assemble import Window
from mimic_mm.export.haim.exporter import COHORTS, Options, read_samples, run_export
from mimic_mm.export.haim.spec import attributes, streamed_relations
from mimic_mm.export.progress import Summary, human_bytes, progress_bar
from mimic_mm.export.selection import parse_shard, parse_subjects, select_subjects
from mimic_mm.export.warehouse import check_lake_unchanged, connect, require_relations

log = logging.getLogger("mimic_mm.export.haim")


def main(args: argparse.Namespace) -> int:
    if args.workers < 1 or args.chunk_subjects < 1:
        raise ValueError("--workers and --chunk-subjects must be ≥ 1")
    if args.start_hour is not None and args.end_hour is not None and args.start_hour > args.end_hour:
        raise ValueError("--start-hour is after --end-hour")
    if args.fast_images and not args.images:
        raise ValueError("--fast-images chooses how images are decoded; --no-images decodes none")
    shard = parse_shard(args.shard)
    opts = Options(
        db=args.warehouse,
        out=args.out,
        cohort=args.cohort,
        window=Window(args.start_hour, args.end_hour),
        images=args.images,
        fast_images=args.fast_images,
        force=args.force,
        fsync=args.fsync,
        batch_size=args.batch_size,
        memory_limit=args.memory_limit,
        threads=max(1, available_cpus() // args.workers),
    )
    con = connect(opts.db)
    try:
        check_lake_unchanged(con)
        require_relations(con, [COHORTS[opts.cohort], *streamed_relations()])
        samples = read_samples(con, opts.cohort)
    finally:
        con.close()
    chosen = select_subjects(samples["subject_id"], parse_subjects(args.subjects), shard, args.limit)
    if not chosen:
        given = [o for o, v in (("--subjects", args.subjects), ("--shard", args.shard),
                                ("--limit", args.limit)) if v is not None]  # fmt: skip
        raise ValueError(
            f"no subject selected: {' '.join(given) or 'the cohort'} matches no subject of "
            f"{COHORTS[opts.cohort]} in {opts.db}; nothing was written"
        )
    log.info(
        "%d HAIM samples of %d subjects in the cohort; %d subjects selected",
        len(samples),
        samples["subject_id"].nunique(),
        len(chosen),
    )
    part = f"shard-{shard.index}-of-{shard.count}" if shard else None
    bars = []

    def start(total: int) -> Callable[[int], None]:
        bar = progress_bar(total=total, desc="HAIM stays", unit="stay")
        bars.append(bar)
        return bar.update

    with ExportLock(opts.out, part=part):
        result = run_export(opts, samples, chosen, args.workers, args.chunk_subjects, part, start)
    for bar in bars:
        bar.close()
    t = result.totals
    summary = Summary(f"HAIM export → {opts.out}")
    summary.add("stays selected", result.selected)
    summary.add("stays written", t.stays)
    summary.add("stays skipped (complete)", result.skipped)
    summary.add("subjects written", t.subjects)
    for a in attributes():
        summary.add(f"rows {a.name}", t.rows.get(a.name, 0))
    summary.add("images decoded", t.images)
    summary.add("bytes written", human_bytes(t.bytes))
    summary.add("seconds", round(result.seconds, 1))
    summary.add("stays/s", round(t.stays / result.seconds, 1) if result.seconds else 0)
    summary.add("errors (this run)", len(t.errors))
    summary.print()
    if result.errors_file:
        log.warning(
            "%d problems (missing/unreadable images) of the whole export listed in %s",
            result.error_rows,
            result.errors_file,
        )
    return 0


def verify_main(args: argparse.Namespace) -> int:
    from mimic_mm.export.haim.checks import verify_export

    con = connect(args.warehouse)
    try:
        check_lake_unchanged(con)
        result = verify_export(con, args.dir, sample=args.sample, seed=args.seed)
    finally:
        con.close()
    for problem in result.problems[:50]:
        log.error("%s", problem)
    summary = Summary(f"HAIM verify {args.dir}")
    summary.add("pickles checked", result.checked)
    summary.add("key rows", result.key_rows)
    summary.add("checksums matched", result.checksums_ok)
    summary.add("image problems listed (haim_errors.csv)", result.listed_errors)
    summary.add("problems", len(result.problems))
    summary.print()
    return 0 if not result.problems else 1
