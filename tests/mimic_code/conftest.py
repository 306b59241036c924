"""Fixtures of the mimic_code tests (defined in mimic_code_harness, a uniquely named module, so that the other
test folders' conftest modules never shadow them)."""

from mimic_code_harness import mimic_code_build

__all__ = ["mimic_code_build"]
