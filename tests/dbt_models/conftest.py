"""Session fixtures: a synthetic release per MIMIC-IV layout, converted and built with `dbt build`, once."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from dbt_harness import Warehouse, build_warehouse, dbt


@pytest.fixture(scope="session")
def warehouses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Warehouse]:
    """Both MIMIC-IV layouts, generated, converted and built side by side (subprocesses)."""
    versions = ("2.2", "1.0")
    roots = [tmp_path_factory.mktemp(f"dbt_{v.replace('.', '')}") for v in versions]
    with ThreadPoolExecutor(max_workers=len(versions)) as pool:
        built = list(pool.map(build_warehouse, roots, versions))
    return dict(zip(versions, built, strict=True))


@pytest.fixture(scope="session")
def warehouse_22(warehouses: dict[str, Warehouse]) -> Warehouse:
    return warehouses["2.2"]


@pytest.fixture(scope="session")
def warehouse_10(warehouses: dict[str, Warehouse]) -> Warehouse:
    return warehouses["1.0"]


@pytest.fixture(scope="session")
def warehouse_168h(warehouse_22: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the 2.2 warehouse whose ED linkage (and everything downstream, with tests) is rebuilt with a
    168 h window."""
    root = tmp_path_factory.mktemp("dbt_168h")
    copy = root / "warehouse.duckdb"
    shutil.copy(warehouse_22.duckdb, copy)
    dbt(
        ["build", "--select", "int_cxr_ed_candidates_paired+", "--vars", "{stay_window_hours: 168}"],
        warehouse_22.env(copy),
        root / "target",
    )
    return copy
