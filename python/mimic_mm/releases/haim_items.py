"""HAIM's three time-series item lists (chart, lab, procedure), verbatim and in HAIM's order, and what follows
from them: the `seeds/haim_embedding_items.csv` seed the embeddings mart reads and the names of the mart's
`ts_*` feature columns. The lab list names Platelet Count twice; HAIM's features de-duplicate it (first
occurrence wins), so the feature index i of an item is its position among the distinct labels."""

from __future__ import annotations

import csv
import io
from typing import NamedTuple

# The 11 statistics per item, in HAIM's order: feature 11*i + j is statistic j of item i.
STATISTICS = (
    "max",
    "min",
    "mean",
    "variance",
    "meandiff",
    "meanabsdiff",
    "maxdiff",
    "sumabsdiff",
    "diff",
    "npeaks",
    "trend",
)


class Family(NamedTuple):
    name: str
    column_prefix: str
    labels: tuple[str, ...]


FAMILIES = (
    Family(
        "chart",
        "ts_ce",
        (
            "Heart Rate",
            "Non Invasive Blood Pressure systolic",
            "Non Invasive Blood Pressure diastolic",
            "Non Invasive Blood Pressure mean",
            "Respiratory Rate",
            "O2 saturation pulseoxymetry",
            "GCS - Verbal Response",
            "GCS - Eye Opening",
            "GCS - Motor Response",
        ),
    ),
    Family(
        "lab",
        "ts_le",
        (
            "Glucose",
            "Potassium",
            "Sodium",
            "Chloride",
            "Creatinine",
            "Urea Nitrogen",
            "Bicarbonate",
            "Anion Gap",
            "Hemoglobin",
            "Hematocrit",
            "Magnesium",
            "Platelet Count",
            "Phosphate",
            "White Blood Cells",
            "Calcium, Total",
            "MCH",
            "Red Blood Cells",
            "MCHC",
            "MCV",
            "RDW",
            "Platelet Count",
            "Neutrophils",
            "Vancomycin",
        ),
    ),
    Family(
        "procedure",
        "ts_pe",
        (
            "Foley Catheter",
            "PICC Line",
            "Intubation",
            "Peritoneal Dialysis",
            "Bronchoscopy",
            "EEG",
            "Dialysis - CRRT",
            "Dialysis Catheter",
            "Chest Tube Removed",
            "Hemodialysis",
        ),
    ),
)


def distinct_labels(family: Family) -> list[str]:
    """The family's labels de-duplicated, first occurrence kept: index = HAIM's feature item index."""
    return list(dict.fromkeys(family.labels))


def items_csv() -> str:
    """Seed rows: one per entry of HAIM's lists (the duplicate Platelet Count included, flagged)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["family", "column_prefix", "list_position", "label", "feature_index", "is_first_occurrence"])
    for family in FAMILIES:
        index = {label: i for i, label in enumerate(distinct_labels(family))}
        seen: set[str] = set()
        for position, label in enumerate(family.labels):
            first = label not in seen
            seen.add(label)
            flag = "true" if first else "false"
            w.writerow([family.name, family.column_prefix, position, label, index[label], flag])
    return buf.getvalue()


def feature_columns(family_name: str) -> list[tuple[str, str, str]]:
    """(column name, item label, statistic) of a family's features, in column order."""
    family = next(f for f in FAMILIES if f.name == family_name)
    return [
        (f"{family.column_prefix}_{i * len(STATISTICS) + j}", label, stat)
        for i, label in enumerate(distinct_labels(family))
        for j, stat in enumerate(STATISTICS)
    ]
