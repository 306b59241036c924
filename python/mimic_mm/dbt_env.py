"""The environment every dbt run of this project needs: where the lake and the warehouse are, the project's
profile, and no anonymous usage statistics (the data is credentialed). Used by the tests and benchmarks that
build a warehouse from a synthetic release."""

from __future__ import annotations

import os
from pathlib import Path

from mimic_mm.project import dbt_project_dir

PROFILES_DIR = dbt_project_dir()  # profiles.yml sits in the project root


def dbt_env(lake: Path, warehouse: Path) -> dict[str, str]:
    """os.environ plus the variables profiles.yml and the sources read."""
    return dict(
        os.environ,
        MIMIC_LAKE=str(lake),
        MIMIC_DUCKDB_PATH=str(warehouse),
        DBT_PROFILES_DIR=str(PROFILES_DIR),
        DO_NOT_TRACK="1",
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
