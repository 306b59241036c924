"""`python -m export`, kept for existing scripts: the same command as `python -m mimic_mm.export`."""

import sys

from mimic_mm.export.cli import main

if __name__ == "__main__":
    sys.exit(main())
