"""`python -m synth`, kept for existing scripts: the same command as `python -m mimic_mm.synth`."""

import sys

from mimic_mm.synth.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
