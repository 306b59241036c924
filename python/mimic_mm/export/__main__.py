import sys

from mimic_mm.export.cli import main

sys.exit(main())
