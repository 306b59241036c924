"""Where the dbt project is: the checkout this module runs from, or the copy shipped inside the package.

A checkout has `dbt_project.yml` two folders above this file (python/mimic_mm/); an installed wheel carries
the same files under `mimic_mm/dbt_project/` (pyproject.toml maps that package folder onto the repo root).
"""

from __future__ import annotations

from pathlib import Path

# The files and folders that make up the dbt project (copied by tests, shipped in the wheel).
DBT_PROJECT_FILES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt")

_HERE = Path(__file__).resolve().parent


def dbt_project_dir() -> Path:
    """The dbt project root: the checkout's when running from one, else the packaged copy."""
    for candidate in (_HERE.parents[1], _HERE / "dbt_project"):
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    raise FileNotFoundError(f"no dbt_project.yml next to {_HERE} (broken installation?)")
