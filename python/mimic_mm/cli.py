"""The `mimic-mm` console script: dispatch a step to the module that implements it.

mimic-mm synth --out build/raw --subjects 200     (= python -m synth)
mimic-mm convert build/raw --lake build/lake      (= python -m convert)
mimic-mm dbt build                                (dbt on this package's project, see run_dbt)
mimic-mm export --out build/export                (= python -m export)
mimic-mm concepts --mimic-code ~/mimic-code       (= python -m mimic_concepts)
mimic-mm embed images --weights-file F            (= python -m mimic_mm.embed images)
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

from mimic_mm.project import dbt_project_dir

# step -> (module whose main(argv) runs it, one-line help). `python -m mimic_mm.<step>` (or the
# top-level `python -m <step>` alias) runs the same code.
STEPS = {
    "synth": ("mimic_mm.synth.__main__", "write a synthetic release in the published file formats"),
    "convert": ("mimic_mm.convert.__main__", "convert a release download into the typed Parquet lake"),
    "dbt": ("", "run dbt on the project (e.g. `mimic-mm dbt build`, `mimic-mm dbt docs generate`)"),
    "export": (
        "mimic_mm.export.cli",
        "write the HAIM-MIMIC-MM pickles and MIMIC-Eye folders from the warehouse",
    ),
    "concepts": ("mimic_mm.concepts.__main__", "build mimic-code's DuckDB concepts into mimiciv_derived"),
    "embed": ("mimic_mm.embed.__main__", "HAIM's image (DenseNet121) and note (BERT) vectors into the lake"),
}


def run_dbt(argv: list[str]) -> int:
    """dbt with this project and its profiles.yml. Outside a checkout the project sits inside the installed
    package, so every path dbt would write there defaults to the current directory instead: the lake
    (MIMIC_LAKE=./build/lake), the warehouse (./build/warehouse.duckdb, the profile's relative default),
    target/ and logs/. Environment variables and explicit flags still win."""
    from dbt.cli.main import dbtRunner

    project = dbt_project_dir()
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("DBT_PROJECT_DIR", str(project))
    os.environ.setdefault("DBT_PROFILES_DIR", str(project))
    if Path.cwd().resolve() != project:
        os.environ.setdefault("MIMIC_LAKE", str(Path.cwd().resolve() / "build" / "lake"))
        os.environ.setdefault("DBT_TARGET_PATH", str(Path.cwd().resolve() / "target"))
        os.environ.setdefault("DBT_LOG_PATH", str(Path.cwd().resolve() / "logs"))
    result = dbtRunner().invoke(argv)
    if result.exception is not None:
        print(f"mimic-mm dbt: {result.exception}", file=sys.stderr)
        return 2
    return 0 if result.success else 1


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="mimic-mm",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Each step has its own --help, e.g. `mimic-mm convert --help`.",
    )
    parser.add_argument(
        "step", choices=sorted(STEPS), help="; ".join(f"{k}: {v[1]}" for k, v in STEPS.items())
    )
    parser.add_argument("args", nargs=argparse.REMAINDER, help="arguments of the step")
    if not argv or argv[0] in ("-h", "--help"):
        parser.print_help()
        return 0 if argv else 2
    args = parser.parse_args(argv[:1])
    rest = argv[1:]
    if args.step == "dbt":
        return run_dbt(rest)
    module = importlib.import_module(STEPS[args.step][0])
    sys.argv = [f"mimic-mm {args.step}", *rest]
    return int(module.main(rest) or 0)
