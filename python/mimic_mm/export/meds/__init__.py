"""MEDS export: marts.meds_events as a MEDS 0.4 dataset.

Writes OUT/data/{train,tuning,held_out}/N.parquet (each subject in one shard, its rows in time order with
static rows first), OUT/metadata/codes.parquet, OUT/metadata/dataset.json, OUT/metadata/subject_splits.parquet
and OUT/.meds_export.json (what the export was built from). The folder is built beside OUT under a temporary
name, shard by shard (a re-run with the same warehouse and settings keeps the finished shards), and renamed to
OUT when complete.
"""

from mimic_mm.export.meds.cli import add_arguments, run, verify

__all__ = ["add_arguments", "run", "verify"]
