"""Every warehouse relation the exporters read, named once.

The exporters import the names from here; `python -m mimic_mm.releases.dbt_yml` generates the dbt exposures
(models/_exposures.yml) from `EXPOSURES`, so `dbt build --select +exposure:haim_pickles` builds exactly what
the HAIM export reads. Staging relations read table by table come from the exporters' own data (the HAIM
attribute table, the MIMIC-Eye layout), imported lazily because those modules import this one.
"""

from __future__ import annotations

from collections.abc import Callable

MARTS = "marts"
STAGING = "staging"


def mart(model: str) -> str:
    return f"{MARTS}.{model}"


def staging(source: str, table: str) -> str:
    return f"{STAGING}.stg_{source}__{table}"


def model_name(relation: str) -> str:
    """`schema.model` -> `model` (dbt model names are unique across schemas)."""
    return relation.split(".", 1)[1]


# Every export: the lake the warehouse was built from (export.warehouse.check_lake_unchanged).
LAKE_LINEAGE = mart("lake_lineage")

# HAIM-MIMIC-MM pickles.
HAIM_COHORTS = {"default": mart("haim_samples"), "reference": mart("haim_samples_reference")}
HAIM_CXR = mart("haim_cxr")
ADMISSIONS = staging("mimiciv_hosp", "admissions")
ICUSTAYS = staging("mimiciv_icu", "icustays")

# HAIM tabular embeddings, and HAIM's whole table (the tabular columns with the image and note embeddings).
HAIM_EMBEDDINGS = mart("haim_embeddings")
HAIM_FUSION = mart("haim_fusion")
# The embedded vectors as the warehouse reads them (empty views when the lake had none at `dbt build`).
EMBEDDING_VECTORS = {
    "image": staging("embeddings", "image_vectors"),
    "note": staging("embeddings", "note_vectors"),
}

# MEDS dataset.
MEDS_EVENTS = mart("meds_events")
MEDS_CODES = mart("meds_codes")

# MIMIC-Eye folders: the marts, by the exporter's key.
MIMIC_EYE_MARTS = {
    "cxr_meta": mart("cxr_meta"),
    "patients": mart("mimic_eye_patients"),
    "master_sheet": mart("eye_gaze_master_sheet"),
    "fixations": mart("eye_gaze_fixations"),
    "raw_gaze": mart("eye_gaze_raw"),
    "labels_wide": mart("reflacx_labels_wide"),
}
# Staging tables the MIMIC-Eye export reads besides the per-subject clinical tables and dictionaries.
_MIMIC_EYE_STAGING = {
    "cxr_jpg": ("metadata", "image_files", "chexpert", "negbio", "split"),
    "cxr": ("report_files",),
    "reflacx": (
        "metadata",
        "transcription",
        "anomaly_location_ellipses",
        "chest_bounding_box",
        "fixations",
        "timestamps_transcription",
        "gaze",
    ),
    "eye_gaze": ("bounding_boxes", "transcripts", "transcript_phrases", "transcript_files"),
    "hosp": ("patients",),
}


def haim_relations() -> list[str]:
    """Every relation `python -m export haim` reads, sorted."""
    from mimic_mm.export.haim.spec import attributes

    rels = {*HAIM_COHORTS.values(), HAIM_CXR, ADMISSIONS, ICUSTAYS, LAKE_LINEAGE}
    for attr in attributes():
        rels.update(attr.relations)
        if attr.dictionary:
            rels.add(attr.dictionary)
    return sorted(rels)


def mimic_eye_relations() -> list[str]:
    """Every relation `python -m export mimic-eye` reads, sorted."""
    from mimic_mm.export.mimic_eye import layout

    rels = {*MIMIC_EYE_MARTS.values(), LAKE_LINEAGE}
    tables = [
        *layout.clinical_tables(),
        *((m, t) for m in ("hosp", "icu") for t in layout.dictionary_tables(m)),
    ]
    tables += [(m, t) for m, ts in _MIMIC_EYE_STAGING.items() for t in ts]
    rels.update(layout.staging(m, t) for m, t in tables)
    return sorted(rels)


def haim_embeddings_relations() -> list[str]:
    """Every relation `python -m export haim-embeddings` reads, sorted."""
    return sorted({HAIM_EMBEDDINGS, HAIM_FUSION, *EMBEDDING_VECTORS.values(), LAKE_LINEAGE})


def meds_relations() -> list[str]:
    """Every relation `python -m export meds` reads, sorted."""
    return sorted({MEDS_EVENTS, MEDS_CODES, LAKE_LINEAGE})


# dbt exposure name -> (label, description, relations it reads).
EXPOSURES: dict[str, tuple[str, str, Callable[[], list[str]]]] = {
    "haim_pickles": (
        "HAIM-MIMIC-MM pickles",
        "`python -m export haim`: one Patient_ICU pickle per ICU stay of a HAIM cohort.",
        haim_relations,
    ),
    "mimic_eye": (
        "MIMIC-Eye patient folders",
        "`python -m export mimic-eye`: one folder per REFLACX/EyeGaze patient and the spreadsheets.",
        mimic_eye_relations,
    ),
    "haim_embeddings_export": (
        "HAIM tabular embeddings file",
        "`python -m export haim-embeddings`: HAIM's table in its CSV (or Parquet) layout: marts.haim_fusion "
        "when vectors were embedded, else marts.haim_embeddings.",
        haim_embeddings_relations,
    ),
    "meds_dataset": (
        "MEDS dataset",
        "`python -m export meds`: marts.meds_events as a MEDS 0.4 dataset (data shards and metadata).",
        meds_relations,
    ),
}
