"""Run a mimic-code checkout's DuckDB concepts, unchanged, against the warehouse's MIMIC schemas.

mimic-code's `concepts_duckdb/duckdb.sql` lists the concept files in dependency order (`.read <file>` lines, a
DuckDB CLI feature); each file creates one `mimiciv_derived` table from `mimiciv_hosp`/`mimiciv_icu`. The
warehouse exposes those schemas as views (models/mimic), so the files run here as written.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb

log = logging.getLogger("mimic_mm.concepts")

CONCEPTS_DIR = Path("mimic-iv") / "concepts_duckdb"
DERIVED = "mimiciv_derived"
_READ = re.compile(r"^\s*\.read\s+(\S+)\s*$")


def concepts_dir(mimic_code: Path) -> Path:
    """The concepts folder of a mimic-code checkout (or the folder itself when given directly)."""
    for candidate in (mimic_code / CONCEPTS_DIR, mimic_code):
        if (candidate / "duckdb.sql").is_file():
            return candidate
    raise FileNotFoundError(f"{mimic_code}: no {CONCEPTS_DIR}/duckdb.sql (is this a mimic-code checkout?)")


def concept_files(folder: Path) -> list[Path]:
    """The concept files in the order duckdb.sql reads them (paths relative to the folder, as the CLI resolves
    them when run from there)."""
    files = []
    for line in (folder / "duckdb.sql").read_text(encoding="utf-8").splitlines():
        m = _READ.match(line)
        if m:
            files.append(folder / m.group(1))
    if not files:
        raise ValueError(f"{folder / 'duckdb.sql'}: no .read lines")
    return files


def copy_warehouse(warehouse: Path, into: Path) -> Path:
    """Copy the warehouse file into a folder, keeping its file name: DuckDB names the database after the file,
    and the warehouse's views refer to their staging models by that name."""
    into.mkdir(parents=True, exist_ok=True)
    target = into / warehouse.name
    if target.resolve() == warehouse.resolve():
        raise ValueError(f"{into}: would copy the warehouse onto itself")
    shutil.copyfile(warehouse, target)
    return target


def run_concepts(database: Path, folder: Path) -> Iterator[tuple[Path, int]]:
    """Execute every concept file with the project's DuckDB into `mimiciv_derived` of `database`;
    yields (file, rows of its table)."""
    con = duckdb.connect(str(database))
    try:
        con.execute(f"create schema if not exists {DERIVED}")
        for path in concept_files(folder):
            try:
                con.execute(path.read_text(encoding="utf-8"))
            except duckdb.Error as exc:
                raise RuntimeError(f"{path.relative_to(folder)}: {exc}") from exc
            yield path, _rows(con, path.stem)
    finally:
        con.close()


def run_concepts_cli(database: Path, folder: Path, cli: str = "duckdb") -> Iterator[tuple[Path, int]]:
    """Execute duckdb.sql with a DuckDB CLI from the concepts folder, exactly as mimic-code's build_mimic.sh
    does (same engine version as its own build, so results match it to the bit); yields (file, rows) as the
    CLI reports each file (duckdb.sql `.print`s the name of each file before reading it)."""
    found = shutil.which(cli)
    if found is None:
        raise FileNotFoundError(f"{cli}: no DuckDB shell there (install duckdb-cli or give --duckdb-cli)")
    exe = str(Path(found).resolve())  # the CLI runs from the concepts folder, so a relative path would break
    duckdb.connect(str(database)).execute(f"create schema if not exists {DERIVED}").close()
    files = {str(p.relative_to(folder)): p for p in concept_files(folder)}
    done: list[Path] = []
    with subprocess.Popen(
        [exe, str(database.resolve()), "-f", "duckdb.sql"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        for line in proc.stdout:
            name = line.strip().strip("'")
            if name in files:
                done.append(files[name])
        err = proc.stderr.read()
    if proc.returncode != 0:
        failed = done[-1].relative_to(folder) if done else "duckdb.sql"
        raise RuntimeError(f"{cli} failed in {failed} ({proc.returncode}): {err.strip()[-2000:]}")
    con = duckdb.connect(str(database), read_only=True)
    try:
        for path in done:
            yield path, _rows(con, path.stem)
    finally:
        con.close()


def _rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f'select count(*) from {DERIVED}."{table}"').fetchone()
    return int(row[0]) if row else 0
