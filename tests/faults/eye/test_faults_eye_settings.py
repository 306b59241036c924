"""Issue 14.5: re-running MIMIC-Eye with other settings (cohort, link mode, --limit, another warehouse) stops
with an error asking for --force instead of keeping old folders; --force rebuilds and removes the folders of
subjects no longer selected; `verify` checks spreadsheets/ and the completion markers too."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import faults_eye_release as fx
import pytest

pytestmark = pytest.mark.xdist_group("faults_eye")


def _patients(out: Path) -> list[str]:
    return sorted(p.name for p in out.glob("patient_*"))


@pytest.mark.parametrize(
    ("options", "changed"),
    [
        (["--limit", "3"], "limit: 2 -> 3"),
        (["--limit", "2", "--link", "copy"], 'link: "auto" -> "copy"'),
        (["--subjects", "@ids"], "subjects: null -> {"),
    ],
    ids=["limit", "link", "cohort"],
)
def test_other_settings_need_force(
    eye_release: fx.Release, tmp_path: Path, options: list[str], changed: str
) -> None:
    out = tmp_path / "mimic-eye"
    assert fx.export(eye_release.db, out, "--limit", "2").returncode == 0
    first = _patients(out)
    (tmp_path / "ids").write_text(first[0].removeprefix("patient_") + "\n")
    options = [f"@{tmp_path / 'ids'}" if o == "@ids" else o for o in options]
    before = fx.tree(out)

    res = fx.export(eye_release.db, out, *options)
    assert res.returncode == 2
    assert "holds an export made with other settings" in res.stderr and changed in res.stderr
    assert "pass --force to rebuild it" in res.stderr
    assert fx.tree(out) == before, "a refused run changed the export"

    res = fx.export(eye_release.db, out, *options, "--force")
    assert res.returncode == 0, res.stderr
    assert fx.temps(out) == []
    if "--subjects" in options:
        assert _patients(out) == first[:1], "folders of subjects outside the new cohort are removed"
    elif "3" in options:
        assert len(_patients(out)) == 3 and _patients(out)[:2] == first
    assert fx.verify(eye_release.db, out).returncode == 0


def test_another_warehouse_needs_force_and_verify_checks_spreadsheets(
    eye_release: fx.Release, tmp_path: Path
) -> None:
    out = tmp_path / "mimic-eye"
    assert fx.export(eye_release.db, out, "--limit", "2").returncode == 0
    ok = fx.verify(eye_release.db, out)
    assert ok.returncode == 0, ok.stderr + ok.stdout

    rebuilt = tmp_path / "rebuilt.duckdb"  # the same data, another warehouse file (as after `dbt build`)
    shutil.copyfile(eye_release.db, rebuilt)
    res = fx.export(rebuilt, out, "--limit", "2")
    assert res.returncode == 2 and "warehouse:" in res.stderr and "pass --force" in res.stderr
    stale = fx.verify(rebuilt, out)
    assert stale.returncode == 1 and "was written from another warehouse" in stale.stderr

    # A spreadsheet that lost a row, and a patient folder without its completion marker.
    sheet = out / "spreadsheets" / "cxr_meta.csv"
    with open(sheet, newline="") as fh:
        rows = list(csv.reader(fh))
    with open(sheet, "w", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows[:-1])
    folder = out / _patients(out)[0]
    (folder / ".mimic_eye_complete.json").unlink()
    bad = fx.verify(eye_release.db, out)
    assert bad.returncode == 1
    assert f"spreadsheets: cxr_meta.csv: {len(rows) - 2} rows, warehouse has {len(rows) - 1}" in bad.stderr
    assert f"{folder.name} has no completion marker" in bad.stderr

    # A re-run with the same settings redoes the marker-less folder; the sheets' marker is intact, so it is
    # removed here as a damaged folder would lack it, and the sheets are rewritten too.
    (out / "spreadsheets" / ".mimic_eye_complete.json").unlink()
    res = fx.export(eye_release.db, out, "--limit", "2")
    assert res.returncode == 0, res.stderr
    assert fx.verify(eye_release.db, out).returncode == 0
    assert fx.temps(out) == []
