"""The MIMIC-IV events of our MEDS dataset are exactly the official MIMIC-IV MEDS ETL's: the official ETL
(`meds-extract-run spec=MIMIC-IV`, a dev dependency) runs offline on the same synthetic raw files, and the
two multisets of (subject_id, time, code, numeric_value, text_value) rows are compared whole. Our other
families (ED//, NOTE//, CXR//, REFLACX//) are left out of the comparison; nothing else is."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import GROUP, MedsRelease

pytestmark = pytest.mark.xdist_group(GROUP)
OURS_ONLY = ("ED//", "NOTE//", "CXR//", "REFLACX//")
COLUMNS = "subject_id, time, code, numeric_value, text_value"


def test_official_mimic_iv_events_are_identical(meds_release: MedsRelease, official_meds: Path) -> None:
    con = duckdb.connect()
    con.execute(
        f"CREATE VIEW official AS SELECT {COLUMNS} FROM read_parquet('{official_meds}/data/*/*.parquet')"
    )
    ours_only = " AND ".join(f"NOT starts_with(code, '{prefix}')" for prefix in OURS_ONLY)
    con.execute(
        f"CREATE VIEW ours AS SELECT {COLUMNS} FROM read_parquet('{meds_release.export}/data/*/*.parquet') "
        f"WHERE {ours_only}"
    )
    n_official = con.execute("SELECT count(*) FROM official").fetchall()[0][0]
    n_ours = con.execute("SELECT count(*) FROM ours").fetchall()[0][0]
    assert n_official > 100_000
    families = {
        r[0] for r in con.execute("SELECT DISTINCT split_part(code, '//', 1) FROM official").fetchall()
    }
    assert {"LAB", "MEDICATION", "DIAGNOSIS", "MEDS_BIRTH", "MEDS_DEATH", "INFUSION_START", "DRG"} <= families
    diff = {}
    for a, b in (("official", "ours"), ("ours", "official")):
        diff[a] = con.execute(
            f"SELECT * FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b}) ORDER BY ALL LIMIT 10"
        ).fetchall()
    assert diff == {"official": [], "ours": []}, f"{n_official:,} official rows, {n_ours:,} of ours"
    assert n_ours == n_official
    # types as MEDS defines them on both sides
    for view in ("official", "ours"):
        types = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {view})").fetchall())
        assert types["numeric_value"] == "FLOAT" and types["time"] == "TIMESTAMP"
