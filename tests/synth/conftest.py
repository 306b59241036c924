"""Generate the synthetic releases once per session (2.2 twice for determinism, 1.0 once)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mimic_mm.synth.generate import generate

SUBJECTS = 200


@pytest.fixture(scope="session")
def gen22(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth22")
    generate(out, SUBJECTS, 42, "2.2", workers=2, progress=False)
    return out


@pytest.fixture(scope="session")
def gen22_again(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth22_again")
    generate(out, SUBJECTS, 42, "2.2", workers=1, progress=False)
    return out


@pytest.fixture(scope="session")
def gen10(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth10")
    generate(out, SUBJECTS, 7, "1.0", workers=2, progress=False)
    return out


@pytest.fixture(scope="session")
def truth22(gen22: Path) -> dict:
    return json.loads((gen22 / "ground_truth.json").read_text())
