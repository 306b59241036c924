"""Plain `pickle.load` of exported samples with nothing but numpy and pandas, on old and new stacks.

Each stack runs in a subprocess of a cached venv (build/.venv-<name>, created on first use from PyPI) with the
project NOT importable: isolated mode (-I: no PYTHONPATH, no cwd on sys.path), cwd outside the repo, and an
import hook that fails any import of the project's or HAIM's modules.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from haim_pipeline import GROUP

from mimic_mm.haim_patient import ATTRIBUTES, load_patient, read_key_ids

pytestmark = pytest.mark.xdist_group(GROUP)

REPO = Path(__file__).resolve().parents[2]
# name → pip requirements (None: the project's own venv, pandas 3 / numpy 2). numpy 1.23 + pandas 1.5 are the
# oldest numpy<2 / pandas<2 with wheels for Python 3.11 (HAIM's environment pins numpy 1.19, pandas 1.0).
STACKS: dict[str, list[str] | None] = {
    "numpy1-pandas15": ["numpy==1.23.5", "pandas==1.5.3"],
    "pandas22": ["pandas==2.2.3", "numpy<2.3"],
    "project": None,
}
VERSIONS = {"numpy1-pandas15": ("1.23.", "1.5."), "pandas22": ("2.", "2.2."), "project": ("2.", "3.")}

LOADER = r"""
import importlib.abc, json, pickle, sys, types

class Blocked(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in {"mimic_mm", "haim_patient", "export", "releases", "synth", "convert", "MIMIC_IV_HAIM_API"}:
            raise ImportError(f"{name} must not be needed to load a sample")
        return None

sys.meta_path.insert(0, Blocked())
import numpy as np, pandas as pd

def render(s):
    return [None if v is None or v != v else str(v) for v in s.tolist()]

out = {"numpy": np.__version__, "pandas": pd.__version__, "samples": []}
for path in sys.argv[1:]:
    with open(path, "rb") as fh:
        p = pickle.load(fh)
    assert type(p) is types.SimpleNamespace, type(p)
    frames = {a: v for a, v in vars(p).items() if a != "imcxr"}
    assert all(type(f) is pd.DataFrame for f in frames.values())
    ce = p.chartevents
    out["samples"].append({
        "attributes": list(vars(p)),
        "columns": {a: [str(c) for c in f.columns] for a, f in frames.items()},
        "dtypes": {a: [str(t) for t in f.dtypes] for a, f in frames.items()},
        "rows": {a: len(f) for a, f in frames.items()},
        "values": {a: {str(c): render(f[c]) for c in f.columns} for a, f in frames.items()},
        "images": [None if i is None else [list(i.shape), str(i.dtype), int(i.sum())] for i in p.imcxr],
        # what HAIM's embedding functions do with a sample
        "heart_rate": [float(v) for v in ce[ce.label == "Heart Rate"].valuenum.dropna()],
        "lab_labels": sorted(set(p.labevents.label.dropna())),
        "haim": {a: [str(c) for c in getattr(p, a).columns if c in ("label", "charttime", "gender_int")]
                 for a in ("chartevents", "labevents", "procedureevents", "cxr", "core")},
    })
print(json.dumps(out))
"""


def stack_python(name: str) -> Path:
    """The stack's interpreter; its venv is created once under build/ and reused."""
    packages = STACKS[name]
    if packages is None:
        return Path(sys.executable)
    venv = REPO / "build" / f".venv-{name}"
    python = venv / "bin" / "python"
    if python.exists():
        return python
    base = shutil.which("python3") or sys.executable
    subprocess.run([base, "-m", "venv", str(venv)], check=True, capture_output=True)
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", *packages], capture_output=True, text=True
    )
    if pip.returncode != 0:
        shutil.rmtree(venv, ignore_errors=True)
        if "connection" in pip.stderr.lower() or "no matching distribution" in pip.stderr.lower():
            pytest.skip(f"PyPI unreachable, cannot build the {name} venv: {pip.stderr.strip()[-300:]}")
        raise RuntimeError(pip.stderr)
    return python


def load_in(name: str, paths: list[Path], cwd: Path) -> dict:
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(cwd)}
    proc = subprocess.run(
        [str(stack_python(name)), "-I", "-c", LOADER, *map(str, paths)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def chosen(exported: Path) -> list[tuple[int, Path]]:
    """Several samples, among them ones with chart, lab and image rows."""
    keys = [k[0] for k in read_key_ids(exported)]
    picks = sorted(set(keys[::7][:8]) | {keys[-1]})
    return [(h, exported / "pickle" / f"folder{h // 1000:02d}" / f"{h:08d}.pkl") for h in picks]


@pytest.fixture(scope="module")
def results(chosen: list[tuple[int, Path]], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    cwd = tmp_path_factory.mktemp("outside-repo")
    return {name: load_in(name, [p for _, p in chosen], cwd) for name in STACKS}


@pytest.mark.parametrize("name", list(STACKS))
def test_plain_load_without_project(name: str, results: dict, chosen: list, exported: Path) -> None:
    result = results[name]
    numpy_prefix, pandas_prefix = VERSIONS[name]
    assert result["numpy"].startswith(numpy_prefix) and result["pandas"].startswith(pandas_prefix)
    assert len(result["samples"]) == len(chosen)
    saw_heart_rate = False
    for (haim_id, _), sample in zip(chosen, result["samples"], strict=True):
        here = load_patient(exported, haim_id=haim_id)
        assert sample["attributes"] == list(ATTRIBUTES)
        frames = [a for a in ATTRIBUTES if a != "imcxr"]
        assert sample["columns"] == {a: list(getattr(here, a).columns) for a in frames}
        assert sample["rows"] == {a: len(getattr(here, a)) for a in frames}
        assert sample["dtypes"] == {a: [str(t) for t in getattr(here, a).dtypes] for a in frames}
        assert not any(t.startswith("str") or t == "string" for ts in sample["dtypes"].values() for t in ts)
        assert sample["images"] == [
            None if i is None else [[224, 224], "uint8", int(i.sum())] for i in here.imcxr
        ]
        want_hr = here.chartevents[here.chartevents.label == "Heart Rate"].valuenum.dropna()
        assert sample["heart_rate"] == [float(v) for v in want_hr]
        saw_heart_rate |= bool(sample["heart_rate"])
        assert "label" in sample["haim"]["chartevents"] and "label" in sample["haim"]["labevents"]
    assert saw_heart_rate


def test_stacks_see_the_same_values(results: dict) -> None:
    """Every value of every frame renders the same under numpy 1/pandas 1.5, pandas 2.2 and pandas 3."""
    base = results["project"]["samples"]
    for name in STACKS:
        assert results[name]["samples"] == base, name
