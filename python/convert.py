"""`python -m convert`, kept for existing scripts: the same command as `python -m mimic_mm.convert`."""

import sys

from mimic_mm.convert.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
