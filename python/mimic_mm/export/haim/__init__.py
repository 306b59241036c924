"""HAIM-MIMIC-MM export: one `Patient_ICU` pickle per ICU stay of a subject with a chest X-ray.

Writes OUT/pickle/folderNN/{haim_id:08d}.pkl (1000 per folder), OUT/haim_mimiciv_key_ids.csv,
OUT/haim_export.json (settings and sample-list fingerprint) and OUT/haim_errors.csv (missing or unreadable
images). Each relation is streamed once, ordered by subject; a re-run skips complete pickles, so an
interrupted export resumes.
"""

from mimic_mm.export.haim.cli import add_arguments, add_verify_arguments, run, verify

__all__ = ["add_arguments", "add_verify_arguments", "run", "verify"]
