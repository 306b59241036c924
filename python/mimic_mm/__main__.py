"""`mimic-mm STEP [ARGS...]`: every step of the pipeline under one command (also `python -m mimic_mm`)."""

from __future__ import annotations

import sys

from mimic_mm.cli import main

sys.exit(main())
