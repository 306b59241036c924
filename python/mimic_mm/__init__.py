"""MIMIC multimodal: link the MIMIC releases with REFLACX and EyeGaze (dbt + DuckDB) and export the
HAIM-MIMIC-MM and MIMIC-Eye layouts.

Steps (each also a `mimic-mm STEP` subcommand and `python -m mimic_mm.STEP`):
    synth     a synthetic release in the published file formats
    convert   a release download -> the typed Parquet lake
    export    the warehouse -> HAIM-MIMIC-MM pickles, HAIM embeddings, MIMIC-Eye folders
    concepts  mimic-code's DuckDB concepts on the warehouse's MIMIC schemas
Shared: releases (the release catalogue and dbt yml generator), haim_patient (the safe pickle loader),
atomic_fs, private_fs, cores, sql_quote, dbt_env, dbt_private_plugin, project (where the dbt project is).
"""
