"""MIMIC-Eye export: `patient_{subject_id}/` folders and `spreadsheets/` from the dbt marts.

`export.cli` registers this subpackage lazily through `add_arguments`, `run` and `verify`.
"""

from __future__ import annotations

from mimic_mm.export.mimic_eye.cli import add_arguments, add_verify_arguments, run, verify

__all__ = ["add_arguments", "add_verify_arguments", "run", "verify"]
