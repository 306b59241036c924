"""Warehouses holding `marts.haim_embeddings`: the real mart of the project's synthetic release, and a
planted table of the same layout whose values are chosen to break a careless CSV writer (every float64
exponent, integral doubles, -0.0, NULLs, commas and quotes in strings, rows stored out of order)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
HAIM_TESTS = REPO / "tests" / "export_haim"
MART_MODEL = REPO / "models" / "marts" / "haim" / "haim_embeddings.sql"
LABELS = [
    "Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Enlarged Cardiomediastinum", "Fracture",
    "Lung Lesion", "Lung Opacity", "No Finding", "Pleural Effusion", "Pleural Other", "Pneumonia",
    "Pneumothorax", "Support Devices",
]  # fmt: skip
FEATURES = {"de": 6, "ts_ce": 99, "ts_le": 242, "ts_pe": 110}

# The release fixture of tests/export_haim, shared (same folder and lock) so a whole-suite run builds it once.
sys.path.insert(0, str(HAIM_TESTS))
_spec = importlib.util.spec_from_file_location("export_haim_conftest", HAIM_TESTS / "conftest.py")
assert _spec and _spec.loader
_haim = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_haim)
GROUP = _haim.haim_pipeline.GROUP
release = _haim.release


def planted_columns() -> list[tuple[str, str]]:
    """(name, SQL expression over `i`, the row number) in the mart's column order."""
    cols = [
        ("haim_id", "(i // 3)::BIGINT"),
        ("subject_id", "(10000000 + i // 6)::BIGINT"),
        ("hadm_id", "(20000000 + i // 6)::BIGINT"),
        ("stay_id", "(30000000 + i // 3)::BIGINT"),
        ("img_id", "md5(((i % 6) // 1)::VARCHAR || '-' || (i // 6)::VARCHAR)"),
        ("img_charttime", "TIMESTAMP '2150-01-01 00:00:00' + to_minutes((i * 37)::BIGINT)"),
        ("img_deltacharttime", "i * 37 / 60.0"),
        ("discharge_location",
         "CASE i % 4 WHEN 0 THEN 'DIED' WHEN 1 THEN NULL WHEN 2 THEN 'HOME, \"with\" help' ELSE '' END"),
        ("img_length_of_stay", "(1000 - i) / 60.0"),
        ("death_status", "(i % 4 = 0)::INTEGER"),
    ]  # fmt: skip
    for prefix, n in FEATURES.items():
        for k in range(n):
            if prefix == "de":
                expr = f"CASE WHEN (i + {k}) % 5 = 0 THEN -1 ELSE (i * {k + 1}) % 97 END::BIGINT"
            else:
                # a spread of magnitudes (1e-300 … 1e300), exact integers, -0.0 and shortest-repr traps
                expr = (
                    f"CASE (i + {k}) % 7 WHEN 0 THEN 0.0 WHEN 1 THEN (i * {k} % 50)::DOUBLE "
                    f"WHEN 2 THEN -0.0 WHEN 3 THEN 0.1 + 0.2 "
                    f"ELSE (hash(i, {k}) / 18446744073709551615.0 - 0.5) "
                    f"* pow(10, (hash({k}, i) % 600)::DOUBLE - 300) END"
                )
            cols.append((f"{prefix}_{k}", expr))
    cols.append(("split", "CASE i % 3 WHEN 0 THEN 'train' WHEN 1 THEN 'validate' ELSE 'test' END"))
    for k, label in enumerate(LABELS):
        cols.append((label, f"CASE (i + {k}) % 4 WHEN 0 THEN NULL ELSE ((i + {k}) % 4 - 2)::DOUBLE END"))
    cols.append(("PerformedProcedureStepDescription", "CASE WHEN i % 2 = 0 THEN 'CHEST (PA AND LAT)' END"))
    cols.append(("ViewPosition", "CASE i % 3 WHEN 0 THEN 'PA' WHEN 1 THEN 'AP' END"))
    return cols


def plant_mart(db: Path, rows: int = 300) -> None:
    """A warehouse with only `marts.haim_embeddings`, rows inserted in a shuffled order."""
    body = ", ".join(f'{expr} AS "{name}"' for name, expr in planted_columns())
    con = duckdb.connect(str(db))
    try:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            f"CREATE TABLE marts.haim_embeddings AS SELECT {body} FROM range({rows}) AS r(i) ORDER BY hash(i)"
        )
    finally:
        con.close()


def has_mart(db: Path) -> bool:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'marts' AND table_name = 'haim_embeddings'"
        ).fetchone()
    finally:
        con.close()
    return bool(row and row[0])


@pytest.fixture(scope="session")
def planted_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("planted_embeddings") / "warehouse.duckdb"
    plant_mart(db)
    return db


@pytest.fixture(scope="session", params=["release", "planted"])
def mart_db(request: pytest.FixtureRequest) -> Path:
    """Each test runs on the real mart of the synthetic release and on the planted table."""
    if request.param == "planted":
        return request.getfixturevalue("planted_db")
    if not MART_MODEL.is_file():
        pytest.skip(
            f"{MART_MODEL.relative_to(REPO)} is not in this checkout (the mart is built on another branch)"
        )
    db = request.getfixturevalue("release").db
    if not has_mart(db):
        pytest.fail(f"{db} has no marts.haim_embeddings although {MART_MODEL.name} exists")
    return Path(db)
