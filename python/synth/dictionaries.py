"""Dictionary tables (d_items, d_labitems, ICD, HCPCS, providers, caregivers) as column arrays.

Event tables draw their codes from these, so every itemid/icd_code in an event table exists in its dictionary.
Extra keys starting with `_` (value mean/sd) drive value generation and are not written.
"""

from __future__ import annotations

import numpy as np

from synth.rng import stream

Columns = dict[str, np.ndarray]

# (label, unit, mean, sd) of a few real vital signs; the rest of each dictionary is synthetic but well-formed.
_CHART_ITEMS = [
    ("Heart Rate", "bpm", 85, 15),
    ("Respiratory Rate", "insp/min", 18, 4),
    ("O2 saturation pulseoxymetry", "%", 96, 2),
    ("Non Invasive Blood Pressure systolic", "mmHg", 120, 18),
    ("Non Invasive Blood Pressure diastolic", "mmHg", 65, 12),
    ("Temperature Fahrenheit", "°F", 98.6, 1),
    ("Arterial Blood Pressure mean", "mmHg", 78, 10),
    ("Glucose finger stick (range 70-100)", "mg/dL", 130, 30),
]
_LAB_ITEMS = [
    ("Creatinine", "Blood", "Chemistry", "mg/dL", 1.1, 0.5, 0.5, 1.2),
    ("Sodium", "Blood", "Chemistry", "mEq/L", 139, 4, 133, 145),
    ("Potassium", "Blood", "Chemistry", "mEq/L", 4.2, 0.5, 3.3, 5.1),
    ("Hemoglobin", "Blood", "Hematology", "g/dL", 11.5, 2, 12, 16),
    ("White Blood Cells", "Blood", "Hematology", "K/uL", 9, 4, 4, 11),
    ("Glucose", "Blood", "Chemistry", "mg/dL", 120, 35, 70, 100),
    ("Lactate", "Blood", "Blood Gas", "mmol/L", 1.8, 0.9, 0.5, 2),
    ("pH", "Urine", "Hematology", "units", 6, 0.8, 5, 8),
]
LINKSTO = [
    "chartevents",
    "datetimeevents",
    "inputevents",
    "ingredientevents",
    "outputevents",
    "procedureevents",
]
_ITEMS_PER_LINK = {
    "chartevents": 160,
    "datetimeevents": 20,
    "inputevents": 40,
    "ingredientevents": 8,
    "outputevents": 15,
    "procedureevents": 25,
}
_ICU_CATEGORIES = ["Routine Vital Signs", "Respiratory", "Labs", "Neurological", "Fluids/Intake", "Output"]
_UNITS = ["mL", "mg", "mcg/kg/min", "units", "mL/hour", "cm", "kg", "%", "mmHg"]


def _icd9(rng: np.random.Generator, n: int) -> list[str]:
    # ICD-9 codes are 3-5 digits and often start with 0 ("0389"), so they must stay text.
    return [
        f"{int(rng.integers(1, 1000)):03d}{int(rng.integers(0, 100)):02d}"[: int(rng.integers(3, 6))]
        for _ in range(n)
    ]


def _icd10(rng: np.random.Generator, n: int, procedure: bool) -> list[str]:
    letters = "0123456789BDFGHJ" if procedure else "ABCDEFGIJKLMNRSZ"
    width = 7 if procedure else int(rng.integers(3, 8))
    return [
        letters[int(rng.integers(len(letters)))]
        + "".join("0123456789ABCDEFGHJKLMNPQRSTVWXYZ"[int(x)] for x in rng.integers(0, 33, width - 1))
        for _ in range(n)
    ]


def _unique(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def _icd_dictionary(rng: np.random.Generator, kind: str, n: int) -> Columns:
    codes9 = _unique(_icd9(rng, n))
    codes10 = _unique(_icd10(rng, n, kind == "procedure"))
    codes = codes9 + codes10
    versions = [9] * len(codes9) + [10] * len(codes10)
    titles = [f"Synthetic {kind} {c} (ICD-{v})" for c, v in zip(codes, versions, strict=True)]
    return {
        "icd_code": np.array(codes, dtype=object),
        "icd_version": np.array(versions),
        "long_title": np.array(titles, dtype=object),
    }


def build(seed: int) -> dict[str, Columns]:
    rng = stream(seed, "dictionaries")
    out: dict[str, Columns] = {}

    itemid, label, abbrev, links, cat, unit, ptype, mean, sd = [], [], [], [], [], [], [], [], []
    next_id = 220045
    m: float
    s: float
    for link in LINKSTO:
        for k in range(_ITEMS_PER_LINK[link]):
            if link == "chartevents" and k < len(_CHART_ITEMS):
                lab, u, m, s = _CHART_ITEMS[k]
            else:
                lab, u = f"{link[:-6].title()} item {k}", _UNITS[int(rng.integers(len(_UNITS)))]
                m, s = float(rng.uniform(1, 200)), float(rng.uniform(0.5, 20))
            itemid.append(next_id)
            next_id += int(rng.integers(1, 40))
            label.append(lab)
            abbrev.append("".join(w[0] for w in lab.split()).upper())
            links.append(link)
            cat.append(_ICU_CATEGORIES[int(rng.integers(len(_ICU_CATEGORIES)))])
            unit.append(u)
            ptype.append("Date and time" if link == "datetimeevents" else "Numeric")
            mean.append(m)
            sd.append(s)
    mean_a, sd_a = np.array(mean), np.array(sd)
    out["d_items"] = {
        "itemid": np.array(itemid),
        "label": np.array(label, dtype=object),
        "abbreviation": np.array(abbrev, dtype=object),
        "linksto": np.array(links, dtype=object),
        "category": np.array(cat, dtype=object),
        "unitname": np.array(unit, dtype=object),
        "param_type": np.array(ptype, dtype=object),
        "lownormalvalue": np.round(mean_a - 2 * sd_a, 1),
        "highnormalvalue": np.round(mean_a + 2 * sd_a, 1),
        "_mean": mean_a,
        "_sd": sd_a,
    }

    labs = list(_LAB_ITEMS)
    for k in range(120):
        lo = float(rng.uniform(0, 50))
        labs.append(
            (
                f"Lab test {k}",
                ["Blood", "Urine", "Ascites"][k % 3],
                ["Chemistry", "Hematology"][k % 2],
                _UNITS[k % len(_UNITS)],
                lo * 1.5 + 1,
                lo / 4 + 0.5,
                lo,
                lo * 2 + 1,
            )
        )
    out["d_labitems"] = {
        "itemid": 50801 + np.arange(len(labs)) * 3,
        "label": np.array([x[0] for x in labs], dtype=object),
        "fluid": np.array([x[1] for x in labs], dtype=object),
        "category": np.array([x[2] for x in labs], dtype=object),
        "loinc_code": np.array([f"{1000 + 7 * i}-{i % 10}" for i in range(len(labs))], dtype=object),
        "_unit": np.array([x[3] for x in labs], dtype=object),
        "_mean": np.array([x[4] for x in labs]),
        "_sd": np.array([x[5] for x in labs]),
        "_lower": np.array([x[6] for x in labs]),
        "_upper": np.array([x[7] for x in labs]),
    }
    out["d_icd_diagnoses"] = _icd_dictionary(rng, "diagnosis", 400)
    out["d_icd_procedures"] = _icd_dictionary(rng, "procedure", 200)
    hcpcs = _unique(
        [f"{int(x):05d}" for x in rng.integers(10000, 99999, 60)]
        + [f"G{int(x):04d}" for x in rng.integers(0, 9999, 20)]
    )
    out["d_hcpcs"] = {
        "code": np.array(hcpcs, dtype=object),
        "category": rng.integers(1, 4, len(hcpcs)),
        "long_description": np.array(
            [f"Synthetic procedure {c}, long description" for c in hcpcs], dtype=object
        ),
        "short_description": np.array([f"Procedure {c}" for c in hcpcs], dtype=object),
    }
    letters = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"))
    providers = _unique(["P" + "".join(rng.choice(letters, 5)) for _ in range(400)])
    out["provider"] = {"provider_id": np.array(sorted(providers), dtype=object)}
    out["caregiver"] = {"caregiver_id": np.sort(rng.choice(np.arange(1000, 100000), 300, replace=False))}
    return out
