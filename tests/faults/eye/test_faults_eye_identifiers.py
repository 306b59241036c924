"""Issue 14.7: crafted or damaged identifiers (a REFLACX case id, an EyeGaze DICOM_ID, a transcript file
name, an inventory path leading out of the release, a symlink in the release pointing out) never make the
MIMIC-Eye exporter write outside --out or read outside the release: each such row is reported, counted and
skipped."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import faults_eye_release as fx
import pytest

pytestmark = pytest.mark.xdist_group("faults_eye")

ESCAPE = "../../../../../../escaped"  # deep enough to leave --out from any patient subfolder
REFLACX_VIEWS = (
    "metadata",
    "anomaly_location_ellipses",
    "chest_bounding_box",
    "fixations",
    "gaze",
    "timestamps_transcription",
    "transcription",
)
SECRET = b"not part of any release\n"


def _override(con: duckdb.DuckDBPyConnection, view: str, replace: str) -> None:
    """Damage a staging view in place: the original renamed, the view re-created over it with `replace`."""
    con.execute(f"ALTER VIEW staging.{view} RENAME TO {view}__orig")
    con.execute(f"CREATE VIEW staging.{view} AS SELECT * REPLACE ({replace}) FROM staging.{view}__orig")


def _damaged_warehouse(release: fx.Release, root: Path) -> tuple[Path, dict[str, object]]:
    db = root / "damaged.duckdb"
    shutil.copyfile(release.db, db)
    con = duckdb.connect(str(db))
    try:
        case, s1 = con.execute(
            "SELECT m.id, m.subject_id FROM staging.stg_reflacx__metadata m "
            "JOIN staging.stg_reflacx__transcription t ON t.id = m.id "
            "WHERE m.subject_id IN (SELECT subject_id FROM marts.mimic_eye_patients) ORDER BY m.id LIMIT 1"
        ).fetchall()[0]
        for view in REFLACX_VIEWS:
            _override(
                con, f"stg_reflacx__{view}", f"CASE WHEN id = '{case}' THEN '{ESCAPE}' ELSE id END AS id"
            )
        dicom, s2 = con.execute(
            "SELECT f.dicom_id, m.patient_id FROM staging.stg_eye_gaze__transcript_files f "
            "JOIN marts.eye_gaze_master_sheet m ON m.dicom_id = f.dicom_id "
            "WHERE m.patient_id <> ? ORDER BY 1 LIMIT 1",
            [s1],
        ).fetchall()[0]
        crafted = f"CASE WHEN dicom_id = '{dicom}' THEN '{ESCAPE}' ELSE dicom_id END AS dicom_id"
        for view in ("transcripts", "transcript_files", "transcript_phrases"):
            _override(con, f"stg_eye_gaze__{view}", crafted)
        con.execute("UPDATE marts.eye_gaze_master_sheet SET dicom_id = ? WHERE dicom_id = ?", [ESCAPE, dicom])
        # A transcript file name that climbs out, on another of the subject's images.
        other = con.execute(
            "SELECT f.dicom_id FROM staging.stg_eye_gaze__transcript_files__orig f "
            "JOIN marts.eye_gaze_master_sheet m ON m.dicom_id = f.dicom_id WHERE m.patient_id = ? "
            "ORDER BY 1 LIMIT 1",
            [s2],
        ).fetchall()
        # Images of s1: one whose inventory row names a file outside the release, one a symlink leading out.
        images = con.execute(
            "SELECT f.dicom_id, f.path, f.abs_path FROM staging.stg_mimic_cxr_jpg__image_files f "
            "JOIN marts.cxr_meta c ON c.study_id = f.study_id WHERE c.subject_id = ? ORDER BY 1 LIMIT 2",
            [s1],
        ).fetchall()
        assert len(images) == 2, "the subject has two images to damage"
        secret = root / "secret.jpg"
        secret.write_bytes(SECRET)
        release_root = images[0][2][: len(images[0][2]) - len(images[0][1])]
        link_rel = f"{Path(images[1][1]).parent}/zz_link_out.jpg"
        link = Path(release_root) / link_rel
        link.unlink(missing_ok=True)
        link.symlink_to(secret)
        _override(
            con,
            "stg_mimic_cxr_jpg__image_files",
            f"CASE WHEN dicom_id = '{images[0][0]}' THEN '{secret}' "
            f"WHEN dicom_id = '{images[1][0]}' THEN '{link}' ELSE abs_path END AS abs_path, "
            f"CASE WHEN dicom_id = '{images[0][0]}' THEN 'secret.jpg' "
            f"WHEN dicom_id = '{images[1][0]}' THEN '{link_rel}' ELSE path END AS path",
        )
        if other:
            _override(
                con,
                "stg_eye_gaze__transcript_files",
                f"{crafted}, CASE WHEN dicom_id = '{other[0][0]}' AND file_name = (SELECT min(file_name) "
                f"FROM staging.stg_eye_gaze__transcript_files__orig WHERE dicom_id = '{other[0][0]}') "
                f"THEN '{ESCAPE}' ELSE file_name END AS file_name",
            )
    finally:
        con.close()
    return db, {"case": case, "s1": s1, "s2": s2, "dicom": dicom, "file_name": bool(other)}


def test_crafted_identifiers_are_skipped_and_nothing_leaves_the_roots(
    eye_release: fx.Release, tmp_path: Path
) -> None:
    db, facts = _damaged_warehouse(eye_release, tmp_path)
    out = tmp_path / "a" / "b" / "mimic-eye"
    before = fx.listing(tmp_path)
    res = fx.export(
        db, out, "--subjects", f"{facts['s1']},{facts['s2']}", "--link", "copy", "--no-spreadsheets"
    )

    assert res.returncode == 1, res.stderr
    assert "rows skipped: their identifiers do not have the published form" in res.stderr
    assert f"reflacx_id '{ESCAPE}'" in res.stdout, "the summary names the refused case id"
    assert f"dicom_id '{ESCAPE}'" in res.stdout
    with open(out / "export_errors.csv", newline="") as fh:
        kinds = {row["kind"] for row in csv.DictReader(fh)}
    expected = {"invalid_reflacx_id", "invalid_dicom_id", "invalid_source_path"}
    if facts["file_name"]:
        expected.add("invalid_file_name")
    assert expected <= kinds
    # Nothing was written outside --out, and nothing in it leads out or holds the outside file.
    after = fx.listing(tmp_path)
    assert {p for p in after - before if not p.startswith("a/b/mimic-eye")} == {"a", "a/b"}
    assert not [p for p in after if "escaped" in p]
    for path in out.rglob("*"):
        assert not path.is_symlink()
        assert str(path.resolve()).startswith(str(out.resolve()))
        if path.is_file():
            assert path.read_bytes() != SECRET, f"{path} holds a file from outside the release"
    # The rest of each folder is written; temporary names are gone.
    for s in (facts["s1"], facts["s2"]):
        assert (out / f"patient_{s}" / "Hosp").is_dir()
        assert (out / f"patient_{s}" / ".mimic_eye_complete.json").is_file()
    assert fx.temps(out) == []
