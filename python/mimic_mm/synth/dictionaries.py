"""Dictionary tables (d_items, d_labitems, ICD, HCPCS, providers, caregivers) as column arrays.

Event tables draw their codes from these, so every itemid/icd_code in an event table exists in its dictionary.
Extra keys starting with `_` (value mean/sd) drive value generation and are not written.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mimic_mm.synth.mimic_items import ICU_ITEMS, LAB_ITEMS, IcuItem
from mimic_mm.synth.rng import stream

Columns = dict[str, np.ndarray]

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


def _filler_weight(k: int) -> float:
    # synthetic items share about a quarter of a table's rows, the first ones far more often than the rest
    return 0.8 / (1.0 + k)


def _d_items(rng: np.random.Generator) -> Columns:
    """Real items (`synth.mimic_items`) first, then synthetic ones up to the table's item count."""
    items: list[IcuItem] = []
    weights: list[float] = []
    next_id = 230100  # above every real itemid the release carries, so fillers never collide
    for link in LINKSTO:
        real = [it for it in ICU_ITEMS if it.linksto == link]
        items += real
        weights += [it.weight for it in real]
        for k in range(max(_ITEMS_PER_LINK[link] - len(real), 0)):
            unit = _UNITS[int(rng.integers(len(_UNITS)))]
            m, s = float(rng.uniform(1, 200)), float(rng.uniform(0.5, 20))
            cat = _ICU_CATEGORIES[int(rng.integers(len(_ICU_CATEGORIES)))]
            items.append(
                IcuItem(next_id, f"{link[:-6].title()} item {k}", link, cat, unit, m, s, amountuom="mL")
            )
            weights.append(_filler_weight(k))
            next_id += int(rng.integers(1, 40))

    def ptype(it: IcuItem) -> str:
        if it.linksto == "datetimeevents":
            return "Date and time"
        return "Text" if it.choices else "Numeric"

    def normal(it: IcuItem, sign: int) -> float | None:
        return None if it.choices or it.sd == 0 else round(it.mean + sign * 2 * it.sd, 1)

    return {
        "itemid": np.array([it.itemid for it in items]),
        "label": np.array([it.label for it in items], dtype=object),
        "abbreviation": np.array(
            ["".join(w[0] for w in it.label.split()).upper() for it in items], dtype=object
        ),
        "linksto": np.array([it.linksto for it in items], dtype=object),
        "category": np.array([it.category for it in items], dtype=object),
        "unitname": np.array([it.unit for it in items], dtype=object),
        "param_type": np.array([ptype(it) for it in items], dtype=object),
        "lownormalvalue": np.array([normal(it, -1) for it in items], dtype=object),
        "highnormalvalue": np.array([normal(it, 1) for it in items], dtype=object),
        "_mean": np.array([it.mean for it in items]),
        "_sd": np.array([it.sd for it in items]),
        "_weight": np.array(weights),
        "_choices": _object_array([it.choices for it in items]),
        "_always": np.array([it.always for it in items]),
        "_rate_mean": np.array([it.rate[0] if it.rate else 0.0 for it in items]),
        "_rate_sd": np.array([it.rate[1] if it.rate else 0.0 for it in items]),
        "_rateuom": np.array([it.rateuom for it in items], dtype=object),
        "_amountuom": np.array([it.amountuom for it in items], dtype=object),
    }


def _object_array(values: Sequence[object]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _d_labitems(rng: np.random.Generator) -> Columns:
    """Real lab items (`synth.mimic_items`) first, then synthetic ones on itemids above the real range."""
    rows = [
        (it.itemid, it.label, it.fluid, it.category, it.unit, it.mean, it.sd, it.lower, it.upper, it.weight)
        for it in LAB_ITEMS
    ]
    always = [it.always for it in LAB_ITEMS] + [False] * 120
    choices = [tuple((c, None) for c in it.choices) for it in LAB_ITEMS]
    for k in range(120):
        lo = float(rng.uniform(0, 50))
        fluid, cat = ["Blood", "Urine", "Ascites"][k % 3], ["Chemistry", "Hematology"][k % 2]
        unit = _UNITS[k % len(_UNITS)]
        rows.append(
            (
                53001 + 3 * k,
                f"Lab test {k}",
                fluid,
                cat,
                unit,
                lo * 1.5 + 1,
                lo / 4 + 0.5,
                lo,
                lo * 2 + 1,
                _filler_weight(k),
            )
        )
        choices.append(())
    col = list(zip(*rows, strict=True))
    return {
        "itemid": np.array(col[0]),
        "label": np.array(col[1], dtype=object),
        "fluid": np.array(col[2], dtype=object),
        "category": np.array(col[3], dtype=object),
        "loinc_code": np.array([f"{1000 + 7 * i}-{i % 10}" for i in range(len(rows))], dtype=object),
        "_unit": np.array(col[4], dtype=object),
        "_mean": np.array(col[5], dtype=float),
        "_sd": np.array(col[6], dtype=float),
        "_lower": np.array(col[7], dtype=float),
        "_upper": np.array(col[8], dtype=float),
        "_weight": np.array(col[9], dtype=float),
        "_always": np.array(always),
        "_choices": _object_array(choices),
    }


def build(seed: int) -> dict[str, Columns]:
    rng = stream(seed, "dictionaries")
    out: dict[str, Columns] = {}

    out["d_items"] = _d_items(rng)
    out["d_labitems"] = _d_labitems(rng)
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
