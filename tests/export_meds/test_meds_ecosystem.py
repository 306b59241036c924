"""The dataset works with the MEDS tools: ACES extracts an in-hospital mortality cohort from it (checked
against the same task computed in SQL over the files) and meds-reader converts it and reads every subject
back."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from conftest import GROUP, MedsRelease

pytestmark = pytest.mark.xdist_group(GROUP)
TASK = Path(__file__).with_name("in_hospital_mortality.yaml")

# The task in SQL: admissions with no admission, discharge or death in (t, t + 48 h], labelled by whether
# the first discharge or death after t + 48 h is a death (death wins a tie: ACES counts any death in the
# window).
EXPECTED = """
WITH ev AS (SELECT subject_id, time, code FROM read_parquet({files}) WHERE time IS NOT NULL),
adm AS (SELECT DISTINCT subject_id, time AS t FROM ev WHERE code LIKE 'HOSPITAL_ADMISSION//%'),
stop AS (SELECT subject_id, time, code = 'MEDS_DEATH' AS died FROM ev
         WHERE code LIKE 'HOSPITAL_DISCHARGE//%' OR code = 'MEDS_DEATH'),
kept AS (SELECT * FROM adm WHERE NOT EXISTS (
    SELECT 1 FROM ev WHERE ev.subject_id = adm.subject_id AND ev.time > adm.t
    AND ev.time <= adm.t + INTERVAL 48 HOUR
    AND (ev.code LIKE 'HOSPITAL_ADMISSION//%' OR ev.code LIKE 'HOSPITAL_DISCHARGE//%'
         OR ev.code = 'MEDS_DEATH'))),
first_stop AS (SELECT kept.subject_id, kept.t, min(stop.time) AS s FROM kept JOIN stop
    ON stop.subject_id = kept.subject_id AND stop.time > kept.t + INTERVAL 48 HOUR GROUP BY ALL)
SELECT f.subject_id, f.t + INTERVAL 48 HOUR AS index_timestamp, bool_or(stop.died)::INTEGER AS label
FROM first_stop AS f JOIN stop ON stop.subject_id = f.subject_id AND stop.time = f.s GROUP BY ALL
"""


def shard_files(release: MedsRelease) -> list[Path]:
    return sorted((release.export / "data").glob("*/*.parquet"))


def aces_cohort(shards: list[Path]) -> set[tuple]:
    """(subject_id, prediction time, label) of the task over every shard, as ACES's Python API extracts it."""
    pytest.importorskip("aces", reason="ACES (es-aces, a dev dependency) is not installed")
    from aces import config, predicates, query
    from omegaconf import DictConfig

    rows: set[tuple] = set()
    for path in shards:
        # ACES 0.7.3's query() changes the config it is given (a second query on the same object yields NULL
        # rows), so each shard gets a freshly loaded one.
        cfg = config.TaskExtractorConfig.load(config_path=str(TASK))
        found = query.query(
            cfg, predicates.get_predicates_df(cfg, DictConfig({"path": str(path), "standard": "meds"}))
        )
        if found.width:
            rows |= set(found.select("subject_id", "index_timestamp", "label").rows())
    return rows


def test_aces_extracts_in_hospital_mortality(meds_release: MedsRelease) -> None:
    got = aces_cohort(shard_files(meds_release))
    files = "[" + ", ".join(f"'{p}'" for p in shard_files(meds_release)) + "]"
    expected = set(duckdb.connect().execute(EXPECTED.format(files=files)).fetchall())
    assert got == expected
    labels = [label for *_, label in got]
    assert labels.count(1) >= 1 and labels.count(0) >= 10  # the generator plants an in-hospital death
    # the planted death 15 h after admission leaves its admission out of the cohort
    con = duckdb.connect(str(meds_release.warehouse.duckdb), read_only=True)
    early = con.execute(
        "SELECT subject_id, admittime FROM staging.stg_mimiciv_hosp__admissions "
        "WHERE deathtime < admittime + INTERVAL 48 HOUR"
    ).fetchall()
    assert early and not {(sid, t + timedelta(hours=48)) for sid, t in early} & {(s, t) for s, t, _ in got}


def test_aces_gives_the_official_datasets_cohort(meds_release: MedsRelease, official_meds: Path) -> None:
    """Same MIMIC-IV events, same task, same cohort: our extra families change nothing in it."""
    assert aces_cohort(shard_files(meds_release)) == aces_cohort(
        sorted((official_meds / "data").glob("*/*.parquet"))
    )


def test_meds_reader_converts_the_dataset(meds_release: MedsRelease, tmp_path: Path) -> None:
    meds_reader = pytest.importorskip("meds_reader", reason="meds-reader (a dev dependency) is not installed")
    db = tmp_path / "reader"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "meds_reader_convert"), str(meds_release.export), str(db),
         "--num_threads", "2"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    counts: dict[int, int] = {}
    for path in shard_files(meds_release):
        for sid in pq.read_table(path, columns=["subject_id"]).column(0).to_pylist():
            counts[sid] = counts.get(sid, 0) + 1
    with meds_reader.SubjectDatabase(str(db), num_threads=1) as database:
        assert sorted(database) == sorted(counts)
        for sid in list(counts)[:25]:
            subject = database[sid]
            assert len(subject.events) == counts[sid]
            images = [e for e in subject.events if e.code.startswith("CXR//IMAGE//")]
            assert all(e.image_path.endswith(".jpg") for e in images)
