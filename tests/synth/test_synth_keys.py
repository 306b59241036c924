"""The synthetic release keeps every published key of MIMIC-IV (keys.tsv, from mimic-code's constraint.sql),
primary and foreign, in both layouts, read back from the written files: the staging key tests fail the build
on a repeat or an orphan, so a generator that broke a key would break `dbt build` on its own demo.

The grid below is the property behind it: sizes and seeds are where the generator's chunking and planting
meet (the README's `make demo SUBJECTS=2000 SEED=7` once repeated labevent_id across chunks), so every point
of it writes the MIMIC-IV tables and checks every key on the files."""

from __future__ import annotations

from pathlib import Path

import pytest
from key_checks import key_violations

from mimic_mm.synth.generate import generate

SEEDS = (1, 3, 7, 42, 2024)
GRID = [(n, s) for n in (200, 2000, 4000) for s in SEEDS] + [(12000, 42)]


def _assert_keys_hold(out: Path, release: str, version: str) -> None:
    problems, checked = key_violations(out, release, version)
    assert checked >= 60, checked  # every key of keys.tsv that the layout has
    assert not problems, "\n".join(problems)


@pytest.mark.xdist_group("synth22")
def test_keys_hold_in_the_2_2_layout(gen22: Path) -> None:
    _assert_keys_hold(gen22, "mimic-iv-2.2", "2.2")


def test_keys_hold_in_the_1_0_layout(gen10: Path) -> None:
    _assert_keys_hold(gen10, "mimic-iv-1.0", "1.0")


@pytest.mark.parametrize(("subjects", "seed"), GRID, ids=[f"{n}-subjects-seed-{s}" for n, s in GRID])
def test_keys_hold_over_sizes_and_seeds(tmp_path: Path, subjects: int, seed: int) -> None:
    generate(tmp_path, subjects, seed, "2.2", workers=1, progress=False, only_mimic_iv=True)
    _assert_keys_hold(tmp_path, "mimic-iv-2.2", "2.2")
