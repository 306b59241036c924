"""The exporters as dbt exposures: each exposure depends on exactly the relations `export.relations` lists,
the MIMIC-Eye plan reads exactly those, and each exporter runs against a warehouse built with nothing but
`dbt build --select +exposure:<name>` (a relation missing from the exposure would fail the export)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest
from dbt_harness import PROJECT, Warehouse, dbt

from mimic_mm.export.mimic_eye.plan import MARTS, build_plan
from mimic_mm.export.mimic_eye.spreadsheets import sheets
from mimic_mm.export.relations import EXPOSURES, LAKE_LINEAGE, haim_relations, mimic_eye_relations, model_name

RELATION = re.compile(r"\b((?:staging|marts)\.\w+)")
EXPORT_COMMAND = {"haim_pickles": "haim", "mimic_eye": "mimic-eye"}


def test_mimic_eye_plan_reads_exactly_the_listed_relations(warehouse_22: Warehouse) -> None:
    con = duckdb.connect(str(warehouse_22.duckdb), read_only=True)
    try:
        plan = build_plan(con)
    finally:
        con.close()
    # the cohort query of the exporter, and the lineage every exporter checks before it reads anything
    read = {MARTS["patients"], LAKE_LINEAGE}
    for sql in plan.streams.values():
        read.update(RELATION.findall(sql))
    for sheet in sheets():
        read.update(RELATION.findall(f"{sheet.relation} {sheet.where}"))
    assert read == set(mimic_eye_relations())


def test_manifest_exposures_depend_on_the_listed_relations(warehouse_22: Warehouse) -> None:
    manifest = json.loads((warehouse_22.target / "manifest.json").read_text())
    exposures = {e["name"]: e for e in manifest["exposures"].values()}
    assert set(exposures) == set(EXPOSURES)
    for name, (_label, _desc, relations) in EXPOSURES.items():
        depends = {node.rsplit(".", 1)[1] for node in exposures[name]["depends_on"]["nodes"]}
        assert depends == {model_name(r) for r in relations()}
    assert "marts.haim_samples" in haim_relations()
    assert "marts.cxr_meta" in mimic_eye_relations()


def _subset_export(
    wh: Warehouse, root: Path, exposure: str
) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """Build only +exposure:<name> into a fresh warehouse, then run that exporter on it."""
    db, target = root / f"{exposure}.duckdb", root / f"target_{exposure}"
    dbt(["build", "--select", f"+exposure:{exposure}"], wh.env(db), target)
    con = duckdb.connect(str(db), read_only=True)
    try:
        objects = con.sql(
            "SELECT schema_name, view_name FROM duckdb_views() WHERE NOT internal "
            "UNION SELECT schema_name, table_name FROM duckdb_tables()"
        ).fetchall()
    finally:
        con.close()
    built = {f"{schema}.{name}" for schema, name in objects}
    out = root / f"export_{exposure}"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "export",
            EXPORT_COMMAND[exposure],
            "--db",
            str(db),
            "--out",
            str(out),
            "--limit",
            "3",
            "--workers",
            "1",
        ],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=False,
    )
    return built, proc


@pytest.fixture(scope="module")
def subset_exports(warehouse_22: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("exposures")
    with ThreadPoolExecutor(max_workers=2) as pool:
        done = pool.map(lambda e: _subset_export(warehouse_22, root, e), EXPORT_COMMAND)
        return dict(zip(EXPORT_COMMAND, done, strict=True))


@pytest.mark.parametrize("exposure", sorted(EXPORT_COMMAND))
def test_exporter_runs_on_its_exposure_alone(subset_exports: dict, exposure: str) -> None:
    built, proc = subset_exports[exposure]
    assert proc.returncode == 0, proc.stderr[-4000:]
    listed = set(haim_relations() if exposure == "haim_pickles" else mimic_eye_relations())
    assert listed <= built
    # Nothing the other exporter alone needs was built.
    other = set(mimic_eye_relations() if exposure == "haim_pickles" else haim_relations())
    marts_only_other = {r for r in other - listed if r.startswith("marts.")}
    assert marts_only_other and not (marts_only_other & built)
