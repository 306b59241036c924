"""`pip install .` (a built wheel, not editable) into a fresh virtual environment outside the checkout gives a
working tool: the demo pipeline runs with the installed `mimic-mm` command only, from a directory that is not
the checkout, and the `python -m` entry points work from the installed package too."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
CACHE = PROJECT / "build" / "wheel-venvs"  # one venv per wheel hash: reruns skip the install


def sh(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{' '.join(args[:4])}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of a fresh venv holding the wheel built from this checkout."""
    wheels = tmp_path_factory.mktemp("wheel")
    sh([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(PROJECT), "-w", str(wheels)], wheels)
    (wheel,) = wheels.glob("*.whl")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()[:16]
    env_dir = CACHE / digest
    if not (env_dir / ".installed").exists():
        shutil.rmtree(env_dir, ignore_errors=True)
        venv.EnvBuilder(with_pip=True).create(env_dir)
        sh([str(env_dir / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], wheels)
        (env_dir / ".installed").touch()
    return env_dir / "bin"


def clean_env(installed: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MIMIC_", "DBT_", "PYTHON", "VIRTUAL_ENV"))
    }
    return {**env, "PATH": f"{installed}{os.pathsep}{env.get('PATH', '')}"}


@pytest.fixture(scope="module")
def demo(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A working directory outside the checkout where the installed commands ran the whole pipeline."""
    env, mm = clean_env(installed), str(installed / "mimic-mm")
    work = tmp_path_factory.mktemp("work")
    sh([mm, "synth", "--out", "build/raw", "--subjects", "40", "--seed", "3", "--quiet"], work, env)
    sh([mm, "convert", "build/raw", "--lake", "build/lake"], work, env)
    build = sh([mm, "dbt", "build"], work, env)
    assert "ERROR=0" in build.stdout
    sh([mm, "export", "--out", "build/export", "--workers", "1"], work, env)
    return work


def test_installed_pipeline_runs_outside_the_checkout(installed: Path, demo: Path) -> None:
    env, mm, work = clean_env(installed), str(installed / "mimic-mm"), demo
    assert (work / "build" / "warehouse.duckdb").is_file()
    assert (work / "target" / "manifest.json").is_file()  # dbt wrote into the working dir, not site-packages
    assert any((work / "build" / "export" / "haim" / "pickle").rglob("*.pkl"))
    assert any((work / "build" / "export" / "mimic-eye").glob("patient_*"))
    # The installed loader reads what the installed exporter wrote.
    code = (
        "from mimic_mm.haim_patient import load_patient; print(load_patient('build/export/haim', haim_id=0))"
    )
    sh([str(installed / "python"), "-c", code], work, env)
    # The copied-file form docs/haim.md offers: haim_patient.py alone next to the user's code.
    alone = work / "alone"
    alone.mkdir()
    site = sh(
        [str(installed / "python"), "-c", "import mimic_mm; print(mimic_mm.__file__)"], work, env
    ).stdout
    shutil.copy(Path(site.strip()).parent / "haim_patient.py", alone)
    code = "from haim_patient import load_patient; print(load_patient('../build/export/haim', haim_id=0))"
    sh([str(installed / "python"), "-I", "-c", f"import sys; sys.path.insert(0, '.'); {code}"], alone, env)
    # The `python -m` entry points: the package's own and the four short aliases of the documented commands.
    modules = ("mimic_mm", "mimic_mm.synth", "mimic_mm.convert", "mimic_mm.export", "mimic_mm.concepts")
    for module in (*modules, "synth", "convert", "export", "mimic_concepts"):
        assert "usage" in sh([str(installed / "python"), "-m", module, "--help"], work, env).stdout, module
    helps = sh([mm, "--help"], work, env).stdout
    assert all(step in helps for step in ("synth", "convert", "dbt", "export", "concepts"))


def test_wheel_is_one_package(installed: Path) -> None:
    """Everything installed lives in mimic_mm, next to the four one-line aliases of `python -m STEP`."""
    (info,) = installed.parent.glob("lib/python*/site-packages/mimic_multimodal-*.dist-info")
    top = set((info / "top_level.txt").read_text(encoding="utf-8").split())
    assert top == {"mimic_mm", "synth", "convert", "export", "mimic_concepts"}
    site = info.parent
    for alias in ("synth", "convert", "export", "mimic_concepts"):
        lines = [ln for ln in (site / f"{alias}.py").read_text(encoding="utf-8").splitlines() if ln.strip()]
        assert len(lines) <= 6 and any(ln.startswith("from mimic_mm.") for ln in lines), alias


def test_docs_load_patient_example_runs_as_written(installed: Path, demo: Path) -> None:
    """docs/haim.md's loading example, run verbatim in a directory holding `build/export/haim`."""
    readme = (PROJECT / "docs" / "haim.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in readme.split("```python\n")[1:]]
    (example,) = [b for b in blocks if "load_patient(" in b]
    out = sh([str(installed / "python"), "-c", example], demo, clean_env(installed)).stdout
    assert "imcxr" in out
