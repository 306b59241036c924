"""What the published releases look like: tables, columns, types and file locations.

Everything here is read from the TSV files beside this module (the project's copy of the reference column
list plus the non-MIMIC-IV files), so the generator, the converter and the dbt sources share one description.
"""

from mimic_mm.releases.catalog import (
    LAKE_MODULES,
    REFLACX_MERGES,
    REFLACX_TARGETS,
    SOURCE_OF_MODULE,
    Column,
    ReleaseTable,
    duckdb_type,
    lake_columns,
    lake_tables,
    mimic_iv_releases,
    primary_key,
    published_keys,
    release_tables,
    releases,
    snake,
)

__all__ = [
    "LAKE_MODULES",
    "REFLACX_MERGES",
    "REFLACX_TARGETS",
    "SOURCE_OF_MODULE",
    "Column",
    "ReleaseTable",
    "duckdb_type",
    "lake_columns",
    "lake_tables",
    "mimic_iv_releases",
    "primary_key",
    "published_keys",
    "release_tables",
    "releases",
    "snake",
]
