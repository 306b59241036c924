"""`mimic-mm`: one command for every step of the pipeline (synth, convert, dbt, export)."""
