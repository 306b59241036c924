"""The haim_fusion tests' release: the HAIM embeddings tests' synthetic release (its warehouse has
marts.haim_fusion without vectors) plus a copy of its warehouse rebuilt after seeded stand-in vectors were
written into the lake in the storage contract's format."""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "haim_embeddings"))  # the HAIM release builder

import haim_mart_release
import stand_in_vectors

from mimic_mm.dbt_env import dbt_env


@dataclass(frozen=True)
class FusionRelease:
    release: haim_mart_release.MartRelease
    warehouse: Path  # the release's lake with vectors, models rebuilt

    @property
    def lake(self) -> Path:
        return self.release.lake


def with_vectors(folder: Path, release: haim_mart_release.MartRelease) -> Path:
    """Write the stand-in vectors into the release's lake and rebuild what reads them in a copy."""
    warehouse = folder / "vectors" / "warehouse.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(release.warehouse, warehouse)
    stand_in_vectors.write(release.lake, release.warehouse)
    haim_mart_release.run(
        haim_mart_release.dbt_args(
            folder / "vectors" / "target", "build", "--select", "path:models/staging/embeddings+"
        ),
        dbt_env(release.lake, warehouse),
    )
    return warehouse
