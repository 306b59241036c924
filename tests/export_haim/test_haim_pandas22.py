"""Pickles written here (pandas 3) load where HAIM consumers train: a venv with pandas 2.2 and numpy 2."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GROUP

pytestmark = pytest.mark.xdist_group(GROUP)

REPO = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("HAIM_PANDAS22_VENV", REPO / "build" / ".venv-pandas22"))
PACKAGES = ["pandas==2.2.3", "numpy<2.3"]

LOADER = r"""
import json, pickle, sys
import pandas as pd, numpy as np
from haim_patient import ATTRIBUTES, load_patient, read_key_ids, sample_path
root = sys.argv[1]
out = {"pandas": pd.__version__, "numpy": np.__version__, "samples": []}
for haim_id, *_ in list(read_key_ids(root))[::4]:
    safe = load_patient(root, haim_id=haim_id)
    with open(sample_path(root, haim_id), "rb") as fh:
        plain = pickle.load(fh)
    frames = {a: getattr(safe, a) for a in ATTRIBUTES if a != "imcxr"}
    out["samples"].append({
        "haim_id": haim_id,
        "attributes": list(vars(safe)),
        "rows": {a: len(f) for a, f in frames.items()},
        "plain_rows": {a: len(getattr(plain, a)) for a in frames},
        "dtypes": sorted({str(t) for f in frames.values() for t in f.dtypes}),
        "images": [None if i is None else [list(i.shape), str(i.dtype)] for i in safe.imcxr],
        "chart_head": safe.chartevents.head(3).to_json(date_format="iso"),
    })
print(json.dumps(out))
"""


def pandas22_python() -> Path:
    """The venv's interpreter, created once and reused (build/.venv-pandas22 or $HAIM_PANDAS22_VENV)."""
    python = VENV / "bin" / "python"
    if python.exists():
        return python
    base = shutil.which("python3") or sys.executable
    subprocess.run([base, "-m", "venv", str(VENV)], check=True, capture_output=True)
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", *PACKAGES], capture_output=True, text=True
    )
    if pip.returncode != 0:
        shutil.rmtree(VENV, ignore_errors=True)
        if "connection" in pip.stderr.lower() or "no matching distribution" in pip.stderr.lower():
            pytest.skip(f"PyPI unreachable, cannot build the pandas 2.2 venv: {pip.stderr.strip()[-300:]}")
        raise RuntimeError(pip.stderr)
    return python


def test_pickles_load_in_pandas_22(exported: Path, tmp_path: Path) -> None:
    import pandas as pd

    from haim_patient import load_patient

    python = pandas22_python()
    # only the standalone module travels with the pickles
    shutil.copy(REPO / "python" / "haim_patient.py", tmp_path / "haim_patient.py")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(tmp_path)}
    proc = subprocess.run([str(python), "-c", LOADER, str(exported)], capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout)
    assert result["pandas"].startswith("2.2.") and result["numpy"].startswith("2.")
    assert result["samples"]
    for sample in result["samples"]:
        here = load_patient(exported, haim_id=sample["haim_id"])
        assert sample["attributes"] == list(vars(here))
        want = {a: len(getattr(here, a)) for a in sample["rows"]}
        assert sample["rows"] == want and sample["plain_rows"] == want
        assert "datetime64[ns]" in sample["dtypes"] and not any("str" in t for t in sample["dtypes"])
        assert sample["images"] == [None if i is None else [[224, 224], "uint8"] for i in here.imcxr]
        theirs = pd.read_json(io.StringIO(sample["chart_head"]))
        assert list(theirs.columns) == list(here.chartevents.columns)
