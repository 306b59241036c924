"""HAIM tabular embeddings export: `marts.haim_embeddings` as the CSV the HAIM modelling scripts read.

Writes OUT/haim_embeddings.csv (or .parquet with `--format parquet`): one header line, one row per
(HAIM sample, chest X-ray of its admission), ordered by haim_id then img_id, columns in HAIM's order
(haim_id, img_id, img_charttime, img_deltacharttime, discharge_location, img_length_of_stay, death_status,
de_*, ts_ce_*, ts_le_*, ts_pe_*, the 17 targets) followed by subject_id, hadm_id, stay_id, which HAIM's own
file does not have. The file is written under a temporary name and renamed, owner-only.
"""

from mimic_mm.export.haim_embeddings.cli import add_arguments, run, verify

__all__ = ["add_arguments", "run", "verify"]
