"""Image and note embeddings for HAIM's whole table, computed once per image / note chunk, stored in the lake.

`python -m mimic_mm.embed images ...` runs torchxrayvision's DenseNet121 on every image of the HAIM cohort
(vd = pooled features, vp = predictions, from one features pass); `python -m mimic_mm.embed notes ...` runs
a Hugging Face BERT on every radiology note's chunks (HAIM's split_note_document). Both write Parquet parts
under LAKE/embeddings/ with the model's sha256 in a manifest, so a rerun resumes and a changed model replaces
the old vectors. torch, torchxrayvision and transformers come from the `embed` extra:
`pip install '.[embed]'`.
"""
