"""marts.haim_fusion: HAIM's whole table. Without vectors the model columns are NULL; with seeded stand-in
vectors every row's vd/vp/vmd/vmp/n_* equal an independent numpy implementation of HAIM's aggregation
(haim_fusion_reference) within the SPEC's tolerance, and the planted cases take the branch HAIM's code
takes."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import haim_fusion_reference as ref
import numpy as np
import pandas as pd
import pytest
from haim_fusion_release import FusionRelease

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "haim_embeddings"))
from haim_reference import CHEXPERT, cxr_charttime, hours

pytestmark = pytest.mark.xdist_group("haim_fusion_release")

# HAIM's column order, written out from the SPEC (not from the project's column lists).
BLOCKS = {"vd": 1024, "vp": 18, "vmd": 1024, "vmp": 18, "n_ecg": 768, "n_ech": 768, "n_rad": 768}
IMAGE_BLOCKS, NOTE_BLOCKS = ("vd", "vp", "vmd", "vmp"), ("n_ecg", "n_ech", "n_rad")


def numbered(prefix: str, n: int) -> list[str]:
    return [f"{prefix}_{k}" for k in range(n)]


HAIM_COLUMNS = [
    "haim_id", "img_id", "img_charttime", "img_deltacharttime", "discharge_location", "img_length_of_stay",
    "death_status", *numbered("de", 6),
    *(c for b in IMAGE_BLOCKS for c in numbered(b, BLOCKS[b])),
    *numbered("ts_ce", 99), *numbered("ts_le", 242), *numbered("ts_pe", 110),
    *(c for b in NOTE_BLOCKS for c in numbered(b, BLOCKS[b])),
    "split", *CHEXPERT, "PerformedProcedureStepDescription", "ViewPosition",
]  # fmt: skip


def close(got: np.ndarray, want: np.ndarray) -> bool:
    """The SPEC's tolerance for model outputs: |a - b| <= 1e-4 max(|a|, |b|) + 1e-6, element-wise."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    return got.shape == want.shape and bool(
        np.all(np.abs(got - want) <= 1e-4 * np.maximum(np.abs(got), np.abs(want)) + 1e-6)
    )


def blocks(warehouse: Path, where: str = "true") -> pd.DataFrame:
    """Every row's ids and model blocks as numpy vectors, indexed by (haim_id, img_id)."""
    lists = ", ".join(f"[{', '.join(numbered(b, n))}] as {b}" for b, n in BLOCKS.items())
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute(
            f"select haim_id, img_id, subject_id, hadm_id, stay_id, {lists} "
            f"from marts.haim_fusion where {where}"
        ).df()
    for block in BLOCKS:  # DuckDB hands lists holding NULLs over as masked arrays: NULL becomes NaN
        frame[block] = [np.ma.filled(np.ma.asarray(v, dtype=float), np.nan) for v in frame[block]]
    return frame.set_index(["haim_id", "img_id"]).sort_index()


@pytest.fixture(scope="module")
def cases(fusion: FusionRelease) -> dict:
    return fusion.release.ground_truth["cases"]


@pytest.fixture(scope="module")
def mart(fusion: FusionRelease) -> pd.DataFrame:
    return blocks(fusion.warehouse)


@pytest.fixture(scope="module")
def reference(fusion: FusionRelease, mart: pd.DataFrame) -> dict[tuple[int, str], dict[str, np.ndarray]]:
    return reference_blocks(fusion, mart)


def reference_blocks(
    fusion: FusionRelease, mart: pd.DataFrame
) -> dict[tuple[int, str], dict[str, np.ndarray]]:
    """The reference's blocks for every row of the mart, from the lake's files."""
    lake = fusion.lake
    image_vectors, notes, fallback = ref.read_vectors(lake)

    def read(module: str, table: str) -> pd.DataFrame:
        return duckdb.sql(
            f"select * from read_parquet('{lake}/{module}/{table}.parquet') order by row_index"
        ).df()

    admissions = read("hosp", "admissions").set_index("hadm_id")
    icustays = read("icu", "icustays").set_index("stay_id")
    metadata = read("cxr_jpg", "metadata")
    metadata["exact"] = [
        pd.to_datetime(f"{int(d)}{t:010.3f}", format="%Y%m%d%H%M%S.%f")
        for d, t in zip(metadata["StudyDate"], metadata["StudyTime"], strict=True)
    ]
    metadata["charttime"] = [
        cxr_charttime(d, t) for d, t in zip(metadata["StudyDate"], metadata["StudyTime"], strict=True)
    ]
    radiology = read("note", "radiology")
    out = {}
    for (haim_id, img_id), row in mart.iterrows():
        admission = admissions.loc[row["hadm_id"]]
        stay = icustays.loc[row["stay_id"]]
        admittime, dischtime = admission["admittime"], admission["dischtime"]
        cxr = metadata[metadata["subject_id"] == row["subject_id"]].sort_values(["exact", "dicom_id"]).copy()
        cxr["deltacharttime"] = [hours(t, admittime) for t in cxr["charttime"]]
        end_hr = float(cxr.loc[cxr["dicom_id"] == img_id, "deltacharttime"].iloc[0])
        rad = radiology[
            (radiology["subject_id"] == row["subject_id"])
            & (radiology["hadm_id"] == row["hadm_id"])
            & (radiology["charttime"] >= stay["intime"])
            & (radiology["charttime"] <= stay["outtime"])
        ].copy()
        rad["deltacharttime"] = [hours(t, admittime) for t in rad["charttime"]]
        # An image the embed command skipped (file missing or unreadable) has no vector: HAIM would have
        # stopped, the mart has NULL where it is needed.
        bounded = cxr[(cxr["deltacharttime"] <= end_hr) | cxr["deltacharttime"].isna()]
        embedded = all(d in image_vectors for d in bounded["dicom_id"])
        vmd, vmp = ref.image_means(cxr, end_hr, dischtime, image_vectors) if embedded else (None, None)
        vd, vp = image_vectors.get(img_id, (None, None))
        no_notes = ref.note_embedding(rad.iloc[:0], end_hr, notes, fallback)  # ECG, echo: empty tables
        out[(haim_id, img_id)] = {
            "vd": vd, "vp": vp, "vmd": vmd, "vmp": vmp, "n_ecg": no_notes, "n_ech": no_notes,
            "n_rad": ref.note_embedding(rad, end_hr, notes, fallback),
        }  # fmt: skip
    return out


def test_columns_in_haim_order_and_null_without_vectors(fusion: FusionRelease) -> None:
    with duckdb.connect(str(fusion.release.warehouse), read_only=True) as con:
        columns = [r[0] for r in con.execute("describe marts.haim_fusion").fetchall()]
        counts = con.execute(
            "select count(*), count(vd_0), count(vp_17), count(vmd_0), count(vmp_0), count(n_ecg_0), "
            "count(n_ech_767), count(n_rad_0) from marts.haim_fusion"
        ).fetchone()
        tabular = con.execute("select count(*) from marts.haim_embeddings").fetchone()
    assert columns == [*HAIM_COLUMNS, "subject_id", "hadm_id", "stay_id"]
    assert counts is not None and tabular is not None
    assert counts[0] == tabular[0] > 0
    assert counts[1:] == (0,) * 7


def test_tabular_columns_equal_haim_embeddings(fusion: FusionRelease) -> None:
    tabular = [c for c in HAIM_COLUMNS if c.split("_")[0] not in {"vd", "vp", "vmd", "vmp", "n"}]
    cols = ", ".join(f'"{c}"' for c in [*tabular, "subject_id", "hadm_id", "stay_id"])
    with duckdb.connect(str(fusion.warehouse), read_only=True) as con:
        differing = con.execute(
            f"select count(*) from ((select {cols} from marts.haim_fusion except all "
            f"select {cols} from marts.haim_embeddings) union all (select {cols} from marts.haim_embeddings "
            f"except all select {cols} from marts.haim_fusion))"
        ).fetchone()
    assert differing == (0,)


def mismatches(mart: pd.DataFrame, reference: dict) -> list[tuple[tuple[int, str], str]]:
    """(row, block) where the mart differs from the reference (None there: the mart must be NULL)."""
    wrong = []
    for key, row in mart.iterrows():
        for block in BLOCKS:
            got, want = np.asarray(row[block], float), reference[key][block]
            if not (np.isnan(got).all() if want is None else close(got, want)):
                wrong.append((key, block))
    return wrong


def test_every_row_equals_the_reference(mart: pd.DataFrame, reference: dict) -> None:
    assert len(mart) == len(reference) > 100
    wrong = mismatches(mart, reference)
    assert not wrong, wrong[:10]


def rows_of(mart: pd.DataFrame, image: str) -> pd.DataFrame:
    rows = mart[mart.index.get_level_values("img_id") == image]
    assert len(rows) >= 1, image
    return rows


def test_planted_images(mart: pd.DataFrame, cases: dict) -> None:
    zeros_d, zeros_p = np.zeros(1024), np.zeros(18)
    (one,) = cases["haim_row_one_image"]
    row = rows_of(mart, one).iloc[0]
    assert close(row["vmd"], zeros_d) and close(row["vmp"], zeros_p)  # a single image: NaN weights -> 0
    assert not close(row["vd"], zeros_d)
    # The study with two images at one time: for their rows the earlier image weighs 0, they weigh 1 each.
    (first_of_two,) = cases["haim_two_images_same_time"]
    two = mart[(mart["subject_id"] == row["subject_id"]) & mart.index.get_level_values("img_id").isin(
        [i for i in mart.index.get_level_values("img_id") if i not in (one,)])]  # fmt: skip
    pair = rows_of(mart, first_of_two).iloc[0]
    same_time = [k for k in two.index if np.array_equal(two.loc[k, "vmd"], pair["vmd"])]
    images = sorted({img for _, img in same_time})
    assert len(images) == 2
    expected = np.mean([np.asarray(rows_of(mart, i).iloc[0]["vd"], float) for i in images], axis=0)
    assert close(pair["vmd"], expected)
    # A stay whose only images share one time: max t = min t, NaN weights -> zeros.
    for image in cases["haim_stay_images_all_at_one_time"]:
        r = rows_of(mart, image).iloc[0]
        assert close(r["vmd"], zeros_d) and close(r["vmp"], zeros_p)


def test_planted_notes(mart: pd.DataFrame, cases: dict, fusion: FusionRelease) -> None:
    _, notes, fallback = ref.read_vectors(fusion.lake)
    zeros = np.zeros(768)
    (failing,) = cases["haim_note_line_over_510_pieces"]
    assert isinstance(notes[failing], ref.NoteFailed)  # the empty first chunk, then a chunk over 512 pieces
    (long,) = cases["haim_note_over_510_pieces"]
    assert len(notes[long]) > 1  # split on its lines
    (after_failure,) = cases["haim_row_after_failed_note"]
    assert close(rows_of(mart, after_failure).iloc[0]["n_rad"], fallback[0])
    # Rows before the failing note: the note before admission weighs -1 h, the long note's chunks +1 h each.
    (one,) = cases["haim_row_one_image"]
    (before,) = cases["haim_note_before_admission"]
    chunks = np.concatenate([*notes[before], *notes[long]])
    weights = np.array([-1.0] + [1.0] * len(notes[long]))
    assert close(rows_of(mart, one).iloc[0]["n_rad"], (weights[:, None] * chunks).sum(axis=0) / weights.sum())
    for image in cases["haim_stay_images_all_at_one_time"]:  # notes at -1 h and +1 h: weights sum to 0
        assert close(rows_of(mart, image).iloc[0]["n_rad"], zeros)
    (stay,) = cases["haim_stay_without_notes"]
    no_notes = mart[mart["stay_id"] == int(stay)]
    assert len(no_notes) >= 1
    for _, r in no_notes.iterrows():
        assert close(r["n_rad"], zeros)
    for _, r in mart.iterrows():
        assert close(r["n_ecg"], zeros) and close(r["n_ech"], zeros)
