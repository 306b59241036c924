"""Catalogue of the raw releases and of the lake schema derived from them."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Raw folder of each schema name inside a MIMIC-IV / ED / Note release.
_SCHEMA_TO_FOLDER = {
    "mimic_core": "core",
    "mimic_hosp": "hosp",
    "mimiciv_hosp": "hosp",
    "mimic_icu": "icu",
    "mimiciv_icu": "icu",
    "mimic_ed": "ed",
    "mimiciv_ed": "ed",
    "mimiciv_note": "note",
}
# Lake module for each schema name used in the reference lists: its folder, except that MIMIC-IV 1.0 `core`
# tables land in `hosp`, where 2.x ships them, so the lake has one schema whatever the input release.
_SCHEMA_TO_MODULE = {**_SCHEMA_TO_FOLDER, "mimic_core": "hosp"}
LAKE_MODULES = ("hosp", "icu", "ed", "note", "cxr_jpg", "cxr", "reflacx", "eye_gaze")
# dbt source name of each lake module (docs/architecture.md section 3).
SOURCE_OF_MODULE = {
    "hosp": "mimiciv_hosp",
    "icu": "mimiciv_icu",
    "ed": "mimiciv_ed",
    "note": "mimiciv_note",
    "cxr_jpg": "mimic_cxr_jpg",
    "cxr": "mimic_cxr",
    "reflacx": "reflacx",
    "eye_gaze": "eye_gaze",
}

# REFLACX label merges (SPEC.md): source label -> target label; every other label maps to itself.
REFLACX_MERGES = {
    "Mass": "Lung nodule or mass",
    "Nodule": "Lung nodule or mass",
    "Emphysema": "High lung volume / emphysema",
    "Pleural effusion": "Pleural abnormality",
    "Pleural thickening": "Pleural abnormality",
}
# The 21 targets in the order SPEC.md lists them (the wide marts use this order).
REFLACX_TARGETS = (
    "Airway wall thickening",
    "Atelectasis",
    "Consolidation",
    "Enlarged cardiac silhouette",
    "Fibrosis",
    "Fracture",
    "Groundglass opacity",
    "Other",
    "Pneumothorax",
    "Pulmonary edema",
    "Quality issue",
    "Support devices",
    "Wide mediastinum",
    "Abnormal mediastinal contour",
    "Acute fracture",
    "Enlarged hilum",
    "Hiatal hernia",
    "High lung volume / emphysema",
    "Interstitial lung disease",
    "Lung nodule or mass",
    "Pleural abnormality",
)

# Columns renamed between releases: (table, old name) -> lake name.
RENAMES = {("admissions", "ethnicity"): "race"}

# Header spellings the real files use where the reference list is lower case. The reference list writes the
# upper-case pair for 1.0; the source notes report it for 2.2 too, so both are generated and both are accepted
# (readers match headers case-insensitively).
HEADER_QUIRKS = {
    ("mimic-iv-2.2", "procedureevents"): {"originalamount": "ORIGINALAMOUNT", "originalrate": "ORIGINALRATE"},
}


@dataclass(frozen=True)
class Column:
    name: str  # exactly as in the raw header
    type: str  # reference type, e.g. "VARCHAR(25)", "TIMESTAMP(0)"
    not_null: bool


@dataclass(frozen=True)
class ReleaseTable:
    release: str  # e.g. "mimic-iv-2.2", "reflacx-1.0.0"
    schema: str  # schema name from the reference list, e.g. "mimiciv_hosp"
    table: str
    columns: tuple[Column, ...]
    path: str  # path relative to the release root; may hold {id} / {dicom_id} placeholders
    marker: bool  # the file that identifies the release

    @property
    def module(self) -> str:
        return _SCHEMA_TO_MODULE.get(self.schema, self.schema)

    @property
    def header(self) -> list[str]:
        return [c.name for c in self.columns]


def _read_tsv(name: str) -> list[dict[str, str]]:
    text = resources.files("mimic_mm.releases").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines(), delimiter="\t"))


@cache
def published_keys() -> list[dict[str, str]]:
    """MIMIC-IV's published primary and foreign keys (keys.tsv, from mimic-code's constraint.sql)."""
    text = resources.files("mimic_mm.releases").joinpath("keys.tsv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def primary_key(table: str) -> tuple[str, ...]:
    """The published primary key columns of a MIMIC-IV table (by name; empty when it has none)."""
    cols = [k["columns"] for k in published_keys() if k["kind"] == "primary_key" and k["table"] == table]
    return tuple(cols[0].split(",")) if cols else ()


_MIMIC_MARKERS = {("hosp", "admissions"), ("core", "admissions"), ("ed", "edstays"), ("note", "discharge")}


@cache
def _catalog() -> dict[str, dict[str, ReleaseTable]]:
    columns: dict[tuple[str, str, str], list[Column]] = defaultdict(list)
    for source in ("mimic_iv_columns.tsv", "other_columns.tsv"):
        rows = sorted(_read_tsv(source), key=lambda r: (r["release"], r["table"], int(r["position"])))
        for r in rows:
            quirks = HEADER_QUIRKS.get((r["release"], r["table"]), {})
            columns[(r["release"], r["schema"], r["table"])].append(
                Column(quirks.get(r["column"], r["column"]), r["type"], r["not_null"] == "yes")
            )
    files = {(r["release"], r["table"]): r for r in _read_tsv("files.tsv")}
    out: dict[str, dict[str, ReleaseTable]] = defaultdict(dict)
    for (release, schema, table), cols in columns.items():
        if (release, table) in files:
            path, marker = files[(release, table)]["path"], files[(release, table)]["marker"] == "yes"
        else:
            folder = _SCHEMA_TO_FOLDER[schema]
            path, marker = f"{folder}/{table}.csv.gz", (folder, table) in _MIMIC_MARKERS
        out[release][table] = ReleaseTable(release, schema, table, tuple(cols), path, marker)
    # Files that are not tabular CSVs (transcripts) have no columns but still have a location.
    for (release, table), f in files.items():
        if table not in out[release]:
            out[release][table] = ReleaseTable(release, "", table, (), f["path"], f["marker"] == "yes")
    return dict(out)


def releases() -> list[str]:
    return sorted(_catalog())


def mimic_iv_releases() -> list[str]:
    return sorted(r for r in _catalog() if re.fullmatch(r"mimic-iv-\d+\.\d+", r))


def release_tables(release: str) -> dict[str, ReleaseTable]:
    return _catalog()[release]


_TYPE_MAP = [
    (r"^(INT|INTEGER)$", "INTEGER"),
    (r"^SMALLINT$", "SMALLINT"),
    (r"^BIGINT$", "BIGINT"),
    (r"^(FLOAT|REAL|DOUBLE PRECISION|DOUBLE|NUMERIC.*)$", "DOUBLE"),
    (r"^(CHAR|VARCHAR|TEXT).*$", "VARCHAR"),
    (r"^TIMESTAMP.*$", "TIMESTAMP"),
    (r"^DATE$", "DATE"),
    (r"^BOOLEAN$", "BOOLEAN"),
]


def duckdb_type(reference_type: str) -> str:
    """DuckDB type for a reference type: ids stay integers, text stays text (ICD codes keep leading zeros)."""
    for pattern, target in _TYPE_MAP:
        if re.match(pattern, reference_type.strip(), flags=re.IGNORECASE):
            return target
    raise ValueError(f"unknown reference type {reference_type!r}")


def _lake_family(release: str) -> str:
    """Releases whose tables share a lake table: every MIMIC-IV version, every ED version, and so on."""
    return re.sub(r"-\d+(\.\d+)*$", "", release)


@cache
def lake_tables() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(module, table) -> [(lake column, DuckDB type)] for the MIMIC-IV family tables and the other sources.

    A MIMIC-IV/ED/Note lake table holds the union of its columns over every release in the reference list:
    in the newest release's order, then columns that only older releases have. Its type is the type in the
    newest release that has the column. Names are lower-cased (2.2 spells two procedureevents columns in upper
    case) and renamed columns take their new name (1.0 `ethnicity` is `race`).
    REFLACX phase tables merge into `metadata` and `anomaly_location_ellipses` with the union of labels.
    """
    cat = _catalog()
    merged: dict[tuple[str, str], dict[str, str]] = {}
    order = sorted(cat, key=_release_sort_key, reverse=True)  # newest first
    for release in order:
        for table, rt in cat[release].items():
            if not rt.columns:
                continue
            lake_table = _lake_table_name(rt)
            cols = merged.setdefault((rt.module, lake_table), {})
            for c in rt.columns:
                name = RENAMES.get((table, c.name), c.name)
                if release.startswith("mimic-iv"):
                    name = name.lower()
                cols.setdefault(name, duckdb_type(c.type))
    return {k: list(v.items()) for k, v in merged.items()}


def lake_columns(module: str, table: str) -> list[tuple[str, str]]:
    return lake_tables()[(module, table)]


def _lake_table_name(rt: ReleaseTable) -> str:
    for prefix in ("metadata_phase_", "anomaly_location_ellipses_phase_"):
        if rt.table.startswith(prefix):
            return prefix.removesuffix("_phase_")
    return rt.table


def _release_sort_key(release: str) -> tuple[str, tuple[int, ...]]:
    family = _lake_family(release)
    version = tuple(int(x) for x in re.findall(r"\d+", release[len(family) :]))
    return family, version


def snake(name: str) -> str:
    """The staging name of a published column: `High lung volume / emphysema` -> `high_lung_volume_emphysema`,
    `Time (in secs)` -> `time_in_secs`, `ViewPosition` -> `view_position`. Exporters invert it through the
    catalogue, never by hand."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name) if not name.isupper() else name
    return re.sub(r"[^a-z0-9]+", "_", spaced.lower()).strip("_")
