"""`python -m export meds` on the synthetic release: the `meds` package's own validation of every file, the
project's families (ED, notes, images, CheXpert, REFLACX), the shard layout, verify, and resuming."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import metadata

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import GROUP, SUBJECTS_PER_SHARD, MedsRelease, export_meds
from dbt_harness import run

from mimic_mm.export.meds import layout
from mimic_mm.export.meds.writer import work_dir

pytestmark = pytest.mark.xdist_group(GROUP)


def shards(folder):
    return sorted((folder / "data").glob("*/*.parquet"))


def events(release: MedsRelease) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    files = ", ".join(f"'{p}'" for p in shards(release.export))
    con.execute(f"CREATE VIEW e AS SELECT * FROM read_parquet([{files}], filename = true)")
    con.execute(f"ATTACH '{release.warehouse.duckdb}' AS wh (READ_ONLY)")
    return con


def test_every_file_passes_the_meds_schemas(meds_release: MedsRelease) -> None:
    meds = pytest.importorskip("meds", reason="the `meds` package (a dev dependency) is not installed")
    assert shards(meds_release.export)
    for path in shards(meds_release.export):
        meds.DataSchema.validate(pq.read_table(path))
    meds.CodeMetadataSchema.validate(pq.read_table(meds_release.export / meds.code_metadata_filepath))
    meds.SubjectSplitSchema.validate(pq.read_table(meds_release.export / meds.subject_splits_filepath))
    doc = json.loads((meds_release.export / meds.dataset_metadata_filepath).read_text())
    meds.DatasetMetadataSchema.validate(doc)
    assert doc["meds_version"] == metadata.version("meds")
    assert doc["additional_value_modality_columns"] == ["image_path"]
    assert "mimic-iv-2.2" in doc["dataset_version"]
    assert {p.parent.name for p in shards(meds_release.export)} <= {
        meds.train_split,
        meds.tuning_split,
        meds.held_out_split,
    }


def test_subjects_are_sharded_and_split_deterministically(meds_release: MedsRelease) -> None:
    con = events(meds_release)
    per_file = con.execute("SELECT filename, count(DISTINCT subject_id) FROM e GROUP BY filename").fetchall()
    assert max(n for _, n in per_file) <= SUBJECTS_PER_SHARD
    assert con.execute("SELECT count(*) FROM (SELECT subject_id FROM e GROUP BY subject_id "
                       "HAVING count(DISTINCT filename) > 1)").fetchall() == [(0,)]  # fmt: skip
    table = pq.read_table(meds_release.export / layout.SPLITS_FILE).to_pydict()
    splits = dict(zip(table["subject_id"], table["split"], strict=True))
    in_files = dict(
        con.execute(
            "SELECT DISTINCT subject_id, regexp_extract(filename, '/data/([a-z_]+)/', 1) FROM e"
        ).fetchall()
    )
    assert in_files == splits
    # every subject of the warehouse is there, in the split its id gives it, whatever else is in the release
    subjects = {r[0] for r in con.execute("SELECT DISTINCT subject_id FROM wh.marts.meds_events").fetchall()}
    assert set(splits) == subjects
    assert all(layout.split_of(s) == split for s, split in splits.items())
    shares = [layout.split_of(s) for s in range(10_000, 30_000)]
    assert abs(shares.count("train") / len(shares) - 0.8) < 0.02
    assert abs(shares.count("held_out") / len(shares) - 0.1) < 0.02


def test_rows_are_in_time_order_with_static_rows_first(meds_release: MedsRelease) -> None:
    for path in shards(meds_release.export):
        t = pq.read_table(path, columns=["subject_id", "time"]).to_pydict()
        seen: set[int] = set()
        previous = None
        for sid, time in zip(t["subject_id"], t["time"], strict=True):
            if previous is None or previous[0] != sid:
                assert sid not in seen, f"{path}: subject {sid} is not contiguous"
                seen.add(sid)
            elif time is None:
                assert previous[1] is None, f"{path}: static row of {sid} after a timed row"
            elif previous[1] is not None:
                assert time >= previous[1], f"{path}: subject {sid} rows out of time order"
            previous = (sid, time)
    con = events(meds_release)
    assert con.execute("SELECT count(*) FROM e WHERE code LIKE 'GENDER//%' AND time IS NULL").fetchall()[0][0]


def test_every_ed_stay_note_and_image_is_an_event(meds_release: MedsRelease) -> None:
    con = events(meds_release)

    def count(sql: str) -> int:
        return int(con.execute(sql).fetchall()[0][0])

    stays = count("SELECT count(*) FROM wh.staging.stg_mimiciv_ed__edstays WHERE intime IS NOT NULL")
    assert (
        stays and count("SELECT count(DISTINCT ed_stay_id) FROM e WHERE code LIKE 'ED//ARRIVAL//%'") == stays
    )
    for kind in ("discharge", "radiology"):
        notes = count(f"SELECT count(DISTINCT note_id) FROM wh.staging.stg_mimiciv_note__{kind}")
        got = count(f"SELECT count(DISTINCT note_id) FROM e WHERE code = 'NOTE//{kind.upper()}'")
        assert notes and got == notes
        assert (
            count(f"SELECT count(*) FROM e WHERE code = 'NOTE//{kind.upper()}' AND text_value IS NULL") == 0
        )
    images = count("SELECT count(DISTINCT dicom_id) FROM wh.staging.stg_mimic_cxr_jpg__metadata")
    assert (
        images and count("SELECT count(DISTINCT dicom_id) FROM e WHERE code LIKE 'CXR//IMAGE//%'") == images
    )
    # the image path is relative to the MIMIC-CXR-JPG release root and names the image's own file
    for path, dicom_id in con.execute(
        "SELECT image_path, dicom_id FROM e WHERE code LIKE 'CXR//IMAGE//%'"
    ).fetchall():
        assert path.startswith("files/p") and path.endswith(f"/{dicom_id}.jpg")
        assert (meds_release.cxr_jpg / path).is_file() or dicom_id in missing_jpgs(meds_release)
    # CheXpert: one event per labelled finding, values 1, 0, -1, at the time of the study's first image
    labelled = count(
        "SELECT count(*) FROM (UNPIVOT wh.staging.stg_mimic_cxr_jpg__chexpert "
        "ON COLUMNS(* EXCLUDE (subject_id, study_id, row_index)) INTO NAME l VALUE v)"
    )
    assert labelled and count("SELECT count(*) FROM e WHERE code LIKE 'CXR//CHEXPERT//%'") == labelled
    values = con.execute("SELECT DISTINCT numeric_value FROM e WHERE code LIKE 'CXR//CHEXPERT//%'").fetchall()
    assert {r[0] for r in values} <= {1.0, 0.0, -1.0}
    assert count("SELECT count(*) FROM e WHERE code LIKE 'REFLACX//%'")
    assert count("SELECT count(*) FROM e WHERE code LIKE 'ED//TRIAGE//%'")
    assert count("SELECT count(*) FROM e WHERE code LIKE 'ED//VITALSIGN//%'")
    # hadm_id / ICU stay_id / ed_stay_id of the images are the project's linkage
    assert (
        count(
            "SELECT count(*) FROM e JOIN wh.marts.cxr_images_linked AS l USING (dicom_id) WHERE e.code LIKE "
            "'CXR//IMAGE//%' AND (e.hadm_id IS DISTINCT FROM l.hadm_id "
            "OR e.stay_id IS DISTINCT FROM l.icu_stay_id OR e.ed_stay_id IS DISTINCT FROM l.ed_stay_id)"
        )
        == 0
    )


def missing_jpgs(release: MedsRelease) -> set[str]:
    """Images of the metadata without a JPG on disk (the generator plants some)."""
    con = duckdb.connect(str(release.warehouse.duckdb), read_only=True)
    try:
        return {r[0] for r in con.execute(
            "SELECT dicom_id FROM staging.stg_mimic_cxr_jpg__metadata ANTI JOIN "
            "staging.stg_mimic_cxr_jpg__image_files USING (dicom_id)").fetchall()}  # fmt: skip
    finally:
        con.close()


def test_codes_cover_the_data_with_dictionary_descriptions(meds_release: MedsRelease) -> None:
    con = events(meds_release)
    codes = pq.read_table(meds_release.export / layout.CODES_FILE).to_pylist()
    by_code = {c["code"]: c for c in codes}
    assert len(by_code) == len(codes)
    assert {r[0] for r in con.execute("SELECT DISTINCT code FROM e").fetchall()} == set(by_code)
    label = dict(con.execute("SELECT cast(itemid AS VARCHAR), label FROM wh.staging.stg_mimiciv_icu__d_items")
                 .fetchall())  # fmt: skip
    chart = [c for c in by_code if c.startswith("LAB//") and c.split("//")[1] in label]
    assert chart and all(by_code[c]["description"] == label[c.split("//")[1]] for c in chart)
    icd = [c for c in by_code if c.startswith("DIAGNOSIS//ICD//")]
    assert icd and all(by_code[c]["parent_codes"][0].startswith("ICD") for c in icd)


def test_verify_passes_and_finds_a_changed_value(meds_release: MedsRelease, tmp_path) -> None:
    wh = meds_release.warehouse
    proc = run([sys.executable, "-m", "export", "verify", str(meds_release.export), "--db", str(wh.duckdb)],
               wh.env())  # fmt: skip
    assert "problems" in proc.stdout
    copy = tmp_path / "meds"
    shutil.copytree(meds_release.export, copy)
    target = shards(copy)[0]
    table = pq.read_table(target)
    values = table.column("numeric_value").to_pylist()
    i = next(k for k, v in enumerate(values) if v is not None)
    values[i] = values[i] + 1
    table = table.set_column(3, "numeric_value", pa.array(values, pa.float32()))
    pq.write_table(table, target)
    target.chmod(0o600)
    bad = subprocess_run(
        [sys.executable, "-m", "export", "verify", str(copy), "--db", str(wh.duckdb)], wh.env()
    )
    assert bad.returncode == 1
    assert "differ from marts.meds_events" in bad.stderr


def subprocess_run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, capture_output=True, text=True, check=False)


def kept_shards(summary: str) -> int:
    line = next(line for line in summary.splitlines() if line.startswith("shards kept"))
    return int(line.split()[-1].replace(",", ""))


def test_rerun_keeps_finished_shards_and_gives_the_same_files(meds_release: MedsRelease, tmp_path) -> None:
    out = tmp_path / "meds"
    work = work_dir(out)
    shutil.copytree(meds_release.export, work)  # an interrupted run of the same warehouse and settings
    manifest = json.loads((work / layout.MANIFEST).read_text())
    manifest["complete"] = False
    (work / layout.MANIFEST).write_text(json.dumps(manifest))
    dropped = shards(work)[-1]
    dropped.unlink()
    (work / "metadata" / "codes.parquet").unlink()
    proc = export_meds(meds_release.warehouse, out, "--subjects-per-shard", str(SUBJECTS_PER_SHARD))
    kept = len(shards(meds_release.export)) - 1
    assert kept_shards(proc.stdout) == kept
    assert not work.exists()
    for a, b in zip(shards(meds_release.export), shards(out), strict=True):
        assert pq.read_table(a).equals(pq.read_table(b))
    # other settings start over
    proc = export_meds(meds_release.warehouse, out, "--subjects-per-shard", "7")
    assert kept_shards(proc.stdout) == 0
    assert max(len(pq.read_table(p, columns=["subject_id"]).column(0).unique()) for p in shards(out)) <= 7
