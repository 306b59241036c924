"""`python -m mimic_concepts`, kept for existing scripts: the same as `python -m mimic_mm.concepts`."""

import sys

from mimic_mm.concepts.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
