"""What to embed, read from the dbt-built warehouse (opened read-only) in chunks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import duckdb

from mimic_mm.export.warehouse import WarehouseError

FETCH_ROWS = 2048

# The HAIM cohort's images (marts.haim_cxr: every image of the subjects of either HAIM cohort), or every
# image of the release; path order reads the files folder by folder.
IMAGES = "select dicom_id, jpg_path from marts.haim_cxr"
ALL_IMAGES = "select dicom_id, jpg_path from marts.cxr_images_linked"
IMAGE_ORDER = " order by jpg_path nulls last, dicom_id"

# Radiology notes of the HAIM cohort's admissions, or every radiology note of the release (the only HAIM note
# kind public MIMIC-IV-Note has: no ECG or echo notes).
NOTES = (
    "select note_id, text from staging.stg_mimiciv_note__radiology "
    "where hadm_id in (select hadm_id from marts.haim_samples)"
)
ALL_NOTES = "select note_id, text from staging.stg_mimiciv_note__radiology"
NOTE_ORDER = " order by note_id"


def fetch(con: duckdb.DuckDBPyConnection, sql: str, rows: int = FETCH_ROWS) -> Iterator[list[Any]]:
    """The query's rows in lists of `rows`. A missing model is an error that says to build it."""
    try:
        cursor = con.execute(sql)
    except duckdb.CatalogException as exc:
        first = str(exc).strip().splitlines()[0]
        raise WarehouseError(
            f"{first}: build the HAIM models first (`mimic-mm dbt build`, or `dbt build`)"
        ) from exc
    while chunk := cursor.fetchmany(rows):
        yield chunk
