"""`python -m synth`: write a synthetic MIMIC universe in the PhysioNet layout, with its ground truth."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from mimic_mm.cores import available_cpus
from mimic_mm.synth.generate import GROUND_TRUTH, MIMIC_IV_VERSIONS, generate
from mimic_mm.synth.plants import MIN_SUBJECTS


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m synth",
        description=(
            "Generate synthetic raw releases (MIMIC-IV, -ED, -Note, MIMIC-CXR(-JPG), REFLACX, EyeGaze) "
            f"exactly as PhysioNet lays them out, plus {GROUND_TRUTH} with the correct linkage outcome "
            "of every planted case. The same arguments always give the same bytes."
        ),
    )
    p.add_argument(
        "--out",
        type=Path,
        required=True,
        help="output folder; must be empty unless --force (releases go under OUT/physionet.org/files/)",
    )
    p.add_argument(
        "--subjects",
        type=int,
        default=200,
        help=f"number of subjects (default 200; {MIN_SUBJECTS} or more plant every hard case)",
    )
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument(
        "--mimic-iv-version",
        choices=MIMIC_IV_VERSIONS,
        default="2.2",
        help="MIMIC-IV layout: 2.2 (hosp/icu, default) or 1.0 (core/hosp/icu with 1.0 columns)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=available_cpus(),
        help="processes writing tables in parallel (default: the CPUs available)",
    )
    p.add_argument(
        "--force",
        action="store_true",
        help="replace physionet.org/ and ground_truth.json in a non-empty --out",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar; warnings only")
    p.add_argument("--verbose", action="store_true", help="log every table's row count")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    level = logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    try:
        summary = generate(
            args.out,
            args.subjects,
            args.seed,
            args.mimic_iv_version,
            args.workers,
            args.force,
            progress=not args.quiet,
        )
    except (FileExistsError, ValueError) as e:
        logging.getLogger("mimic_mm.synth").error("%s", e)
        return 2
    by_release: dict[str, list[tuple[str, int]]] = {}
    for key, n in sorted(summary.rows.items()):
        release, table = key.split("/", 1)
        by_release.setdefault(release, []).append((table, n))
    print(
        f"synthetic releases in {summary.out} ({summary.subjects} subjects, {summary.seconds:.1f} s)",
        file=sys.stderr,
    )
    for release, tables in by_release.items():
        total = sum(n for _, n in tables)
        biggest = ", ".join(f"{t} {n:,}" for t, n in sorted(tables, key=lambda x: -x[1])[:4])
        print(
            f"  {release:<22} {len(tables):>3} tables {total:>12,} rows   largest: {biggest}", file=sys.stderr
        )
    print(
        f"  ground truth: {summary.images:,} images, {summary.planted_cases} planted case kinds",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
