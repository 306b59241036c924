"""This folder's conftest under a unique module name: `from conftest import ...` would pick whichever folder's
conftest pytest imported last when the whole suite runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "export_haim_embeddings_conftest", Path(__file__).with_name("conftest.py")
)
assert _spec and _spec.loader
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)

GROUP = _conftest.GROUP
LABELS = _conftest.LABELS
REPO = _conftest.REPO
plant_mart = _conftest.plant_mart
