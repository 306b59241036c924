"""The columns of each HAIM attribute as the release's own files have them, and the reference's rule on them.

A lake table holds the union of its columns over every release version (lower-cased, renamed); a pickle holds
the columns of the release that was converted, with that release's header names in file order (1.0 spells
`ethnicity`, 2.2 `ORIGINALAMOUNT`). Which release was converted is read from the lake manifest beside the
Parquet files the warehouse's staging views read.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from functools import cache
from importlib import resources
from pathlib import Path

import duckdb

from mimic_mm.export.haim.spec import attributes
from mimic_mm.releases.catalog import RENAMES, ReleaseTable, release_tables

log = logging.getLogger("mimic_mm.export.haim")

STAGING = re.compile(r"^staging\.stg_(?P<source>[a-z0-9_]+?)__(?P<table>[a-z0-9_]+)$")
LAKE_MANIFEST = "_manifest.json"
# The reference's derived cxr columns after split ⋈ chexpert ⋈ metadata (the exporter adds deltacharttime).
CXR_DERIVED = ("Img_Folder", "Img_Filename", "StudyDateForm", "StudyTimeForm", "charttime")
CXR_TABLES = ("split", "chexpert", "metadata")


def lake_root(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The lake folder the staging views read (from a view's Parquet path), None when it cannot be told."""
    row = con.execute(
        "SELECT sql FROM duckdb_views() WHERE schema_name = 'staging' "
        "AND view_name = 'stg_mimiciv_hosp__admissions'"
    ).fetchone()
    m = re.search(r"""['"]([^'"]+)/hosp/admissions\.parquet['"]""", row[0]) if row else None
    return Path(m.group(1)) if m else None


def converted_releases(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """family → release converted into the lake (e.g. 'mimic-iv' → 'mimic-iv-2.2'); empty when unknown."""
    root = lake_root(con)
    path = root / LAKE_MANIFEST if root else None
    if path is None or not path.is_file():
        log.warning("lake manifest not found: pickles get every lake column, not the release's own columns")
        return {}
    releases = json.loads(path.read_text(encoding="utf-8")).get("releases", {})
    return {family: entry["release"] for family, entry in releases.items() if entry.get("release")}


def _release_table(releases: dict[str, str], source: str, table: str) -> ReleaseTable | None:
    family = "mimic-iv-note" if source.endswith("note") else "mimic-iv"
    release = releases.get(family)
    return release_tables(release).get(table) if release else None


def published_columns(releases: dict[str, str], relation: str, staged: list[str]) -> list[tuple[str, str]]:
    """(staging column, published name) of a staging relation, in the release file's header order; every
    staging column under its own name when the release is not known."""
    m = STAGING.match(relation)
    rt = _release_table(releases, m.group("source"), m.group("table")) if m else None
    if rt is None:
        return [(c, c) for c in staged]
    out = []
    for col in rt.columns:
        lake = RENAMES.get((rt.table, col.name), col.name).lower()
        if lake not in staged:
            raise ValueError(f"{relation} lacks the column {lake} of {rt.release} {rt.table}")
        out.append((lake, col.name))
    return out


def merged(left: list[str], right: list[str]) -> list[str]:
    """The columns of a pandas merge on every shared name: the left's, then the right's others in order."""
    return [*left, *(c for c in right if c not in left)]


def expected_columns(
    mimic_iv: str, note: str = "mimic-iv-note-2.2", cxr: str = "mimic-cxr-jpg-2.0.0"
) -> dict[str, list[str]]:
    """attribute → the reference's columns for these releases, by SPEC's rule (the derived columns the
    exporter appends included; the project's extra columns not)."""
    hosp, notes, jpg = release_tables(mimic_iv), release_tables(note), release_tables(cxr)

    def header(tables: dict[str, ReleaseTable], relation: str) -> list[str]:
        m = STAGING.match(relation)
        assert m, relation
        return tables[m.group("table")].header

    out: dict[str, list[str]] = {}
    for a in attributes():
        tables = notes if any("note" in r for r in a.relations) else hosp
        if a.kind in ("table", "empty") and a.relations[0].startswith("staging."):
            cols = header(tables, a.relations[0])
            if a.dictionary:
                cols = merged(cols, header(hosp, a.dictionary))
        elif a.name == "cxr":
            cols = []
            for t in CXR_TABLES:
                cols = merged(cols, jpg[t].header)
            cols += CXR_DERIVED
        elif a.kind == "core":
            cols = merged(merged(out["admissions"], out["demographics"]), out["transfers"])
        else:
            continue
        out[a.name] = [*cols, *a.derived]
    return out


@cache
def reference_columns() -> dict[str, list[str]]:
    """attribute → columns of the reference's pickles for MIMIC-IV 2.2 (reference_columns.tsv)."""
    text = (
        resources.files("mimic_mm.export.haim").joinpath("reference_columns.tsv").read_text(encoding="utf-8")
    )
    out: dict[str, list[str]] = {}
    rows = csv.DictReader((x for x in text.splitlines() if not x.startswith("#")), delimiter="\t")
    for r in sorted(rows, key=lambda r: (r["attribute"], int(r["position"]))):
        out.setdefault(r["attribute"], []).append(r["column"])
    return out
