"""The synthetic release carries HAIM's items under their real MIMIC-IV itemids and exact labels, and charts
them for every ICU stay with plausible values (the items mimic-code's concepts read, too)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from mimic_code_harness import PROJECT

pytestmark = pytest.mark.xdist_group("mimic_code")

CHART = {
    220045: "Heart Rate",
    220179: "Non Invasive Blood Pressure systolic",
    220180: "Non Invasive Blood Pressure diastolic",
    220181: "Non Invasive Blood Pressure mean",
    220210: "Respiratory Rate",
    220277: "O2 saturation pulseoxymetry",
    223900: "GCS - Verbal Response",
    220739: "GCS - Eye Opening",
    223901: "GCS - Motor Response",
}
LAB_LABELS = [
    "Glucose", "Potassium", "Sodium", "Chloride", "Creatinine", "Urea Nitrogen", "Bicarbonate", "Anion Gap",
    "Hemoglobin", "Hematocrit", "Magnesium", "Platelet Count", "Phosphate", "White Blood Cells",
    "Calcium, Total", "MCH", "Red Blood Cells", "MCHC", "MCV", "RDW", "Neutrophils", "Vancomycin",
]  # fmt: skip
PROCEDURES = [
    "Foley Catheter", "PICC Line", "Intubation", "Peritoneal Dialysis", "Bronchoscopy", "EEG",
    "Dialysis - CRRT", "Dialysis Catheter", "Chest Tube Removed", "Hemodialysis",
]  # fmt: skip
# itemids mimic-code's concepts filter on, with the label the real dictionary gives them
REAL_LABS = {
    50931: "Glucose", 50809: "Glucose", 50971: "Potassium", 50822: "Potassium", 50912: "Creatinine",
    51221: "Hematocrit", 51265: "Platelet Count", 51301: "White Blood Cells", 51256: "Neutrophils",
}  # fmt: skip


@pytest.fixture(scope="module")
def mimic_raw(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth_items")
    subprocess.run(
        [sys.executable, "-m", "synth", "--out", str(out), "--subjects", "60", "--seed", "3", "--quiet"],
        cwd=PROJECT, check=True,
    )  # fmt: skip
    return out / "physionet.org" / "files" / "mimiciv" / "2.2"


def _q(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_haim_items_have_real_itemids_and_labels(mimic_raw: Path) -> None:
    con = duckdb.connect()
    d_items = f"'{mimic_raw}/icu/d_items.csv.gz'"
    d_lab = f"'{mimic_raw}/hosp/d_labitems.csv.gz'"
    chart = dict(_q(con, f"select itemid, label from {d_items} where linksto = 'chartevents'"))
    assert {k: chart.get(k) for k in CHART} == CHART
    labs = _q(con, f"select label, count(distinct itemid), count(distinct fluid) from {d_lab} group by label")
    by_label = {label: (n, fluids) for label, n, fluids in labs}
    assert set(LAB_LABELS) <= set(by_label)
    for shared in ("Glucose", "Potassium", "Hematocrit"):  # pooled across fluids/analysers, as in MIMIC-IV
        assert by_label[shared][0] >= 2 and by_label[shared][1] >= 2, shared
    lab_ids = dict(_q(con, f"select itemid, label from {d_lab}"))
    assert {k: lab_ids.get(k) for k in REAL_LABS} == REAL_LABS
    procs = {r[0] for r in _q(con, f"select label from {d_items} where linksto = 'procedureevents'")}
    assert set(PROCEDURES) <= procs
    assert _q(con, f"select count(*) - count(distinct itemid) from {d_items}") == [(0,)]


def _haim_planted_subjects(mimic_raw: Path, con: duckdb.DuckDBPyConnection) -> str:
    """SQL list of the subjects carrying the planted HAIM series cases (a stay without events, items with only
    NULL values...): they lack items on purpose."""
    truth = json.loads((mimic_raw.parents[3] / "ground_truth.json").read_text())
    ids = {int(i) for case, values in truth["cases"].items() if case.startswith("haim_") for i in values
           if str(i).isdigit()}  # fmt: skip
    assert ids, "the synthetic release plants the HAIM series cases"
    id_list = ", ".join(map(str, sorted(ids)))
    stays = f"'{mimic_raw}/icu/icustays.csv.gz'"
    rows = _q(
        con,
        f"select distinct subject_id from {stays} where stay_id in ({id_list}) or subject_id in ({id_list})",
    )
    return ", ".join(str(r[0]) for r in rows)


def test_every_stay_charts_the_haim_items(mimic_raw: Path) -> None:
    con = duckdb.connect()
    planted = _haim_planted_subjects(mimic_raw, con)
    ce, stays = f"'{mimic_raw}/icu/chartevents.csv.gz'", f"'{mimic_raw}/icu/icustays.csv.gz'"
    ids = ", ".join(map(str, CHART))
    missing = _q(
        con,
        f"select s.stay_id, i.itemid from {stays} as s cross join (select unnest([{ids}]) as itemid) as i "
        f"anti join {ce} as c on c.stay_id = s.stay_id and c.itemid = i.itemid "
        f"where s.subject_id not in ({planted})",
    )
    assert missing == []
    le, d_lab = f"'{mimic_raw}/hosp/labevents.csv.gz'", f"'{mimic_raw}/hosp/d_labitems.csv.gz'"
    adm = f"'{mimic_raw}/hosp/admissions.csv.gz'"
    labels = ", ".join(f"'{x}'" for x in LAB_LABELS)
    missing_labs = _q(
        con,
        f"select a.hadm_id, l.label from {adm} as a cross join (select unnest([{labels}]) as label) as l "
        f"anti join (select e.hadm_id, d.label from {le} as e join {d_lab} as d using (itemid)) as x "
        f"on x.hadm_id = a.hadm_id and x.label = l.label where a.subject_id not in ({planted})",
    )
    assert missing_labs == []
    hr = _q(con, f"select quantile_cont(valuenum, 0.5) from {ce} where itemid = 220045")[0][0]
    assert 60 < hr < 110
    gcs = _q(
        con,
        f"select distinct value, valuenum from {ce} where itemid = 223900 and subject_id not in ({planted}) "
        "order by valuenum",
    )
    assert ("No Response-ETT", 1.0) in gcs and ("Oriented", 5.0) in gcs
    assert all(isinstance(v, str) and not v[0].isdigit() for v, _ in gcs)
    devices = {r[0] for r in _q(con, f"select distinct value from {ce} where itemid = 226732")}
    assert {"Endotracheal tube", "Nasal cannula"} <= devices
    text_items = _q(con, f"select count(*) from {ce} where itemid = 226732 and valuenum is not null")
    assert text_items == [(0,)]
