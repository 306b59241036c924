"""Columns of every attribute: the reference's for 2.2, the same rule for 1.0 and 3.1, in exports."""

from __future__ import annotations

from pathlib import Path

import duckdb
import haim_pipeline
import pytest
from haim_pipeline import GROUP, run_haim

from mimic_mm.export.haim.release_columns import expected_columns, reference_columns
from mimic_mm.export.haim.spec import attributes
from mimic_mm.haim_patient import ATTRIBUTES, load_patient, read_key_ids
from mimic_mm.releases.catalog import release_tables
from shared_dirs import shared_dir

pytestmark = pytest.mark.xdist_group(GROUP)

REPO = Path(__file__).resolve().parents[2]
SHARED_REFERENCE = REPO.parent / "shared" / "reference" / "haim_pickle_columns.tsv"
CODES = ["gender_int", "ethnicity_int", "marital_status_int", "language_int", "insurance_int"]
# Documented project columns after the reference's (README, "What a sample holds").
EXTRAS = {"core": CODES, "cxr": ["cxrtime"]}


def test_rule_gives_the_reference_columns_for_2_2() -> None:
    want = reference_columns()
    got = expected_columns("mimic-iv-2.2")
    assert set(want) <= set(got)
    for attr, cols in want.items():
        assert got[attr] == cols, attr
    # the attributes the reference file leaves out, by SPEC: drgcodes as released, notes + stay_id, delta
    assert got["drgcodes"] == release_tables("mimic-iv-2.2")["drgcodes"].header
    discharge = release_tables("mimic-iv-note-2.2")["discharge"].header
    for attr in ("noteevents", "dsnotes", "ecgnotes", "echonotes"):
        assert got[attr] == [*discharge, "stay_id", "deltacharttime"]


def test_packaged_reference_is_the_shared_file() -> None:
    if not SHARED_REFERENCE.is_file():
        pytest.skip(f"{SHARED_REFERENCE} is absent (only the project's development checkout has it)")
    packaged = REPO / "python" / "mimic_mm" / "export" / "haim" / "reference_columns.tsv"
    body = [x for x in packaged.read_text(encoding="utf-8").splitlines() if not x.startswith("# Copied")]
    body = [
        x for x in body if not x.startswith("# in the pickles the HAIM") and not x.startswith("# check the")
    ]
    assert body == SHARED_REFERENCE.read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("release", ["mimic-iv-1.0", "mimic-iv-3.1"])
def test_rule_on_other_releases(release: str) -> None:
    """1.0 and 3.1 by the same rule: the release's headers (1.0 `ethnicity`, its own procedureevents
    columns), the dictionary's other columns, then the derived ones."""
    got = expected_columns(release)
    tables = release_tables(release)
    assert got["admissions"] == tables["admissions"].header
    d_items = [c for c in tables["d_items"].header if c != "itemid"]
    assert got["chartevents"] == [*tables["chartevents"].header, *d_items, "deltacharttime"]
    assert got["procedureevents"] == [*tables["procedureevents"].header, *d_items]
    hcpcs = tables["hcpcsevents"].header
    assert got["hcpcsevents"] == hcpcs + [c for c in tables["d_hcpcs"].header if c not in hcpcs]
    core = got["admissions"] + [c for c in tables["patients"].header if c not in got["admissions"]]
    assert got["core"] == core + [c for c in tables["transfers"].header if c not in core]
    if release == "mimic-iv-1.0":
        assert "ethnicity" in got["core"] and "race" not in got["core"]


def check_export_columns(out: Path, release: str, db: Path) -> int:
    """Every attribute of every sample has the rule's columns then the documented extras; core's codes are
    the warehouse's for the sample's admission."""
    want = expected_columns(release)
    con = duckdb.connect(str(db), read_only=True)
    codes = {
        row[0]: list(row[1:])
        for row in con.sql(
            f"SELECT hadm_id, {', '.join(CODES)} FROM intermediate.int_haim_demographic_codes"
        ).fetchall()
    }
    con.close()
    checked = 0
    for haim_id, _sid, hadm, _stay in list(read_key_ids(out))[::3]:
        p = load_patient(out, haim_id=haim_id)
        for a in attributes():
            if a.name == "imcxr":
                continue
            got = list(getattr(p, a.name).columns)
            assert got == [*want[a.name], *EXTRAS.get(a.name, [])], (release, a.name)
        assert p.core[CODES].drop_duplicates().values.tolist() == [codes[hadm]]
        checked += 1
    assert list(vars(p)) == list(ATTRIBUTES)
    return checked


def test_2_2_export_has_the_rule_columns(release, exported: Path) -> None:
    assert check_export_columns(exported, "mimic-iv-2.2", release.db) > 5


def test_1_0_export_has_the_rule_columns(tmp_path_factory: pytest.TempPathFactory) -> None:
    with shared_dir(tmp_path_factory, "haim_release_10") as (folder, built):
        rel = haim_pipeline.Release(folder / "raw", folder / "lake", folder / "warehouse.duckdb")
        out = folder / "haim"
        if not built:
            rel = haim_pipeline.build_release(folder, subjects=40, mimic_iv_version="1.0")
            assert run_haim(rel.db, out, "--no-images") == 0
    assert check_export_columns(out, "mimic-iv-1.0", rel.db) > 2
