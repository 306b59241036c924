"""Synthetic MIMIC universe: raw releases in the PhysioNet layout plus a ground-truth file for the linkage.

Entry point: `python -m synth --out DIR --subjects N --seed S` (see `synth.generate`).
"""
