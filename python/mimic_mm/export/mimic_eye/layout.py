"""What goes where in a MIMIC-Eye export, derived from the release catalogue.

Table and column lists come from `releases` (the TSV catalogue); only the folder names, the published file
names of the MIMIC-Eye layout and the few columns the published notebooks added live here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from mimic_mm.export import relations
from mimic_mm.releases import REFLACX_TARGETS, SOURCE_OF_MODULE, lake_columns, lake_tables, release_tables

# Patient subfolder of each MIMIC-IV module written table by table.
CLINICAL_FOLDERS = {"hosp": "Hosp", "icu": "ICU", "ed": "ED"}
# One row per subject, published in spreadsheets/Hosp rather than in every patient folder.
SPREADSHEET_ONLY = {("hosp", "patients")}
# Columns the published notebooks appended to the CXR metadata (SPEC: cxr_meta.csv).
CXR_META_EXTRA = ("in_eye_gaze", "in_reflacx", "StudyDateTime", "stay_id")
# The 21 merged REFLACX labels, in SPEC order; the mart carries them under these exact names.
REFLACX_TARGET_LABELS = REFLACX_TARGETS
REFLACX_LABELS_FILE = "merged_labels.csv"  # not in the published layout: the project's merged 21-label file
EYE_GAZE_MASTER_SPREADSHEET = "master_sheet_with_updated_stayId.csv"  # name used by the published notebooks
REFLACX_RELEASE = "reflacx-1.0.0"


def staging(module: str, table: str) -> str:
    return relations.staging(SOURCE_OF_MODULE[module], table)


def published(module: str, table: str) -> tuple[str, ...]:
    """Published column names of a lake table, in lake order (union over releases)."""
    return tuple(name for name, _ in lake_columns(module, table))


@cache
def clinical_tables() -> tuple[tuple[str, str], ...]:
    """(module, table) of every MIMIC-IV/ED table with per-subject rows: one CSV each in a patient folder."""
    return tuple(
        (module, table)
        for (module, table), cols in sorted(lake_tables().items())
        if module in CLINICAL_FOLDERS
        and (module, table) not in SPREADSHEET_ONLY
        and any(name == "subject_id" for name, _ in cols)
    )


def dictionary_tables(module: str) -> tuple[str, ...]:
    """The d_* dictionaries of a module (spreadsheets/Hosp, spreadsheets/ICU)."""
    return tuple(t for (m, t) in sorted(lake_tables()) if m == module and t.startswith("d_"))


def reflacx_file_columns(table: str) -> tuple[str, ...]:
    """Published header of a REFLACX per-case file (same for every phase)."""
    return tuple(release_tables(REFLACX_RELEASE)[table].header)


@cache
def ellipse_columns_by_phase() -> dict[int, tuple[str, ...]]:
    """Published anomaly_location_ellipses.csv header for each phase (phase 1 and phases 2-3 differ)."""
    out: dict[int, tuple[str, ...]] = {}
    prefix = "anomaly_location_ellipses_phase_"
    for name, rt in release_tables(REFLACX_RELEASE).items():
        if name.startswith(prefix):
            for phase in name.removeprefix(prefix).split("_"):
                out[int(phase)] = tuple(rt.header)
    return out


@dataclass(frozen=True)
class FileSpec:
    """One CSV in a patient folder: its stream, relative path, published columns and index choice."""

    key: str
    path: str  # may hold {id} for REFLACX per-case files
    columns: tuple[str, ...]
    index: bool  # files the published notebooks wrote with pandas carry its unnamed index column
    per_case: bool = False
