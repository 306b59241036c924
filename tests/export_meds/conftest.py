"""The MEDS tests' release: the dbt suite's synthetic release (tests/dbt_models/dbt_harness.py: synth,
convert, dbt build), built once per run, exported with `python -m export meds`, and the official MIMIC-IV
MEDS ETL run offline on the same raw files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))
sys.path.insert(0, str(TESTS / "dbt_models"))

from dbt_harness import PROJECT, Warehouse, build_warehouse, run  # noqa: E402

from shared_dirs import shared_dir  # noqa: E402

GROUP = "meds_release"
BIN = Path(sys.executable).parent
# mimic-code's concept maps, which the official ETL reads beside hosp/ and icu/ (its `common` source).
CONCEPT_MAPS = PROJECT.parent / "shared" / "peers" / "mimic-code" / "mimic-iv" / "concepts" / "concept_map"
SUBJECTS_PER_SHARD = 40


@dataclass(frozen=True)
class MedsRelease:
    warehouse: Warehouse
    export: Path

    @property
    def mimic_iv(self) -> Path:
        return self.warehouse.raw / "physionet.org" / "files" / "mimiciv" / "2.2"

    @property
    def cxr_jpg(self) -> Path:
        return self.warehouse.raw / "physionet.org" / "files" / "mimic-cxr-jpg" / "2.0.0"


def export_meds(wh: Warehouse, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "export", "meds", "--db", str(wh.duckdb), "--out", str(out), *extra],
               wh.env())  # fmt: skip


@pytest.fixture(scope="session")
def meds_release(tmp_path_factory: pytest.TempPathFactory) -> MedsRelease:
    with shared_dir(tmp_path_factory, GROUP) as (root, built):
        if not built:
            build_warehouse(root, "2.2")
        wh = Warehouse(root / "raw", root / "lake", root / "warehouse.duckdb", root / "target", {})
        out = root / "meds"
        if not built:
            export_meds(wh, out, "--subjects-per-shard", str(SUBJECTS_PER_SHARD))
    return MedsRelease(wh, out)


@pytest.fixture(scope="session")
def official_meds(meds_release: MedsRelease, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The official ETL's dataset of the same release: `meds-extract-run spec=MIMIC-IV do_download=false`."""
    pytest.importorskip(
        "MIMIC_IV_MEDS", reason="the official MIMIC-IV MEDS ETL (mimic-iv-meds) is not installed"
    )
    if not CONCEPT_MAPS.is_dir():
        pytest.skip(
            f"{CONCEPT_MAPS} is absent: the official ETL needs mimic-code's concept maps, which only the "
            "project's development checkout has beside it (../shared)"
        )
    with shared_dir(tmp_path_factory, f"{GROUP}_official") as (root, built):
        out = root / "out"
        if not built:
            source = root / "input"
            source.mkdir(exist_ok=True)
            for module in ("hosp", "icu"):
                (source / module).symlink_to(meds_release.mimic_iv / module)
            for csv in CONCEPT_MAPS.glob("*.csv"):
                (source / csv.name).symlink_to(csv)
            shutil.rmtree(out, ignore_errors=True)
            env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
            run([str(BIN / "meds-extract-run"), "spec=MIMIC-IV", "do_download=false", f"input_dir={source}",
                 "dataset_key=demo", f"output_dir={out}"], env)  # fmt: skip
    return out
