"""`python -m export haim-embeddings` and its verify, on the real mart and on the planted table."""

from __future__ import annotations

import csv
import io
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from embeddings_conftest_link import GROUP, LABELS, REPO, plant_mart

from mimic_mm.export.cli import main as export_main
from mimic_mm.export.haim_embeddings.layout import TABULAR, ordered_query

pytestmark = pytest.mark.xdist_group(GROUP)

# HAIM's own order (reference §5) without the image/note embeddings we do not have, then our identifiers.
HAIM_HEAD = ["haim_id", "img_id", "img_charttime", "img_deltacharttime", "discharge_location",
             "img_length_of_stay", "death_status"]  # fmt: skip
TARGETS = ["split", *LABELS, "PerformedProcedureStepDescription", "ViewPosition"]
IDS = ["subject_id", "hadm_id", "stay_id"]


def expected_columns() -> list[str]:
    features = [
        f"{p}_{k}" for p, n in (("de", 6), ("ts_ce", 99), ("ts_le", 242), ("ts_pe", 110)) for k in range(n)
    ]
    return HAIM_HEAD + features + TARGETS + IDS


def export(db: Path, out: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The real CLI in a subprocess, as a user runs it."""
    cmd = [sys.executable, "-m", "export", "haim-embeddings", "--db", str(db), "--out", str(out), *argv]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)


def verify(db: Path, folder: Path) -> int:
    return export_main(["verify", str(folder), "--db", str(db)])


def mart_frame(db: Path) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = [c for c in expected_columns() if c not in IDS] + IDS
        return con.execute(ordered_query(columns)).df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def csv_out(mart_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("emb_csv") / "haim-embeddings"
    res = export(mart_db, out)
    assert res.returncode == 0, res.stderr
    return out


@pytest.fixture(scope="module")
def parquet_out(mart_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("emb_parquet") / "haim-embeddings"
    res = export(mart_db, out, "--format", "parquet")
    assert res.returncode == 0, res.stderr
    return out


def test_csv_header_is_haims_order_with_ids_last(csv_out: Path) -> None:
    text = (csv_out / "haim_embeddings.csv").read_text()
    lines = text.splitlines()
    assert next(csv.reader([lines[0]])) == expected_columns()
    assert sum(1 for line in lines if line.startswith("haim_id,")) == 1  # one header line


def test_csv_reads_back_in_pandas_as_the_mart(csv_out: Path, mart_db: Path) -> None:
    """HAIM reads the file with a bare pd.read_csv: every float64 must come back bit for bit, in order."""
    got = pd.read_csv(csv_out / "haim_embeddings.csv")
    want = mart_frame(mart_db)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want) > 0
    assert list(zip(got["haim_id"], got["img_id"], strict=True)) == sorted(
        zip(want["haim_id"], want["img_id"], strict=True)
    )
    for col in want.columns:
        w, g = want[col], got[col]
        if pd.api.types.is_float_dtype(w):
            assert g.dtype == np.float64, col
            wv, gv = w.to_numpy(np.float64), g.to_numpy(np.float64)
            assert np.array_equal(np.isnan(wv), np.isnan(gv)), col
            assert (wv[~np.isnan(wv)].view(np.uint64) == gv[~np.isnan(gv)].view(np.uint64)).all(), col
        elif pd.api.types.is_integer_dtype(w):
            assert pd.api.types.is_integer_dtype(g) or g.isna().any(), col
            assert (w.to_numpy() == g.to_numpy()).all(), col
        elif pd.api.types.is_datetime64_any_dtype(w):
            assert list(g) == [str(t) for t in w], col  # read as text, as HAIM reads it
        else:  # text: pandas reads NULL and "" both as NaN, as it did for HAIM's own file
            assert [None if pd.isna(v) or v == "" else v for v in w] == [
                None if pd.isna(v) else v for v in g
            ], col


def test_parquet_has_the_same_columns_and_values(parquet_out: Path, mart_db: Path) -> None:
    table = pq.read_table(parquet_out / "haim_embeddings.parquet")
    assert table.column_names == expected_columns()
    pd.testing.assert_frame_equal(table.to_pandas(), mart_frame(mart_db), check_exact=True)


def test_owner_only_and_no_temporary_file_left(csv_out: Path, parquet_out: Path) -> None:
    for fmt, out in (("csv", csv_out), ("parquet", parquet_out)):
        assert stat.S_IMODE(out.stat().st_mode) == 0o700
        assert sorted(p.name for p in out.iterdir()) == [".export.lock", f"haim_embeddings.{fmt}"]
        for p in out.iterdir():
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p


def test_rerun_is_byte_identical(csv_out: Path, parquet_out: Path, mart_db: Path, tmp_path: Path) -> None:
    for fmt, first in (("csv", csv_out), ("parquet", parquet_out)):
        again = tmp_path / fmt
        assert export(mart_db, again, "--format", fmt, "--workers", "1").returncode == 0
        name = f"haim_embeddings.{fmt}"
        assert (again / name).read_bytes() == (first / name).read_bytes(), fmt


def test_verify_passes_on_both_formats(csv_out: Path, parquet_out: Path, mart_db: Path) -> None:
    assert verify(mart_db, csv_out) == 0
    assert verify(mart_db, parquet_out) == 0


def _copy(src: Path, dst: Path, text: str | None = None) -> Path:
    dst.mkdir(mode=0o700)
    target = dst / "haim_embeddings.csv"
    target.write_text(text if text is not None else (src / "haim_embeddings.csv").read_text())
    target.chmod(0o600)
    return dst


def test_verify_detects_a_changed_value(
    csv_out: Path, mart_db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lines = (csv_out / "haim_embeddings.csv").read_text().splitlines(keepends=True)
    header = next(csv.reader([lines[0]]))
    row = next(csv.reader([lines[1]]))
    col = header.index("ts_le_2")  # a lab mean: change its last digit, or make it 1.5 more
    row[col] = str(float(row[col] or 0) + 1.5)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(row)
    lines[1] = buf.getvalue()
    folder = _copy(csv_out, tmp_path / "changed", "".join(lines))
    assert verify(mart_db, folder) == 1
    assert "1 rows with other values" in caplog.text
    assert f"haim_id {row[0]}, img_id {row[1]}" in caplog.text


def test_verify_detects_a_missing_or_duplicated_row(
    csv_out: Path, mart_db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    lines = (csv_out / "haim_embeddings.csv").read_text().splitlines(keepends=True)
    assert verify(mart_db, _copy(csv_out, tmp_path / "missing", "".join(lines[:-1]))) == 1
    assert "only in the mart" in caplog.text
    assert verify(mart_db, _copy(csv_out, tmp_path / "dup", "".join([*lines, lines[-1]]))) == 1
    assert "rows in the file" in caplog.text
    swapped = [lines[0], lines[2], lines[1], *lines[3:]]
    assert verify(mart_db, _copy(csv_out, tmp_path / "swapped", "".join(swapped))) == 1
    assert "not in" in caplog.text


def test_verify_reports_a_damaged_file(csv_out: Path, mart_db: Path, tmp_path: Path) -> None:
    lines = (csv_out / "haim_embeddings.csv").read_text().splitlines(keepends=True)
    lines[1] = lines[1].replace(",", ',"', 1)  # an unterminated quote
    assert verify(mart_db, _copy(csv_out, tmp_path / "damaged", "".join(lines))) == 1


def test_verify_detects_a_wrong_header_and_open_modes(csv_out: Path, mart_db: Path, tmp_path: Path) -> None:
    lines = (csv_out / "haim_embeddings.csv").read_text().splitlines(keepends=True)
    head = next(csv.reader([lines[0]]))
    head[7], head[8] = head[8], head[7]
    assert (
        verify(mart_db, _copy(csv_out, tmp_path / "header", ",".join(head) + "\n" + "".join(lines[1:]))) == 1
    )
    folder = _copy(csv_out, tmp_path / "open")
    assert verify(mart_db, folder) == 0
    (folder / "haim_embeddings.csv").chmod(0o644)
    assert verify(mart_db, folder) == 1


def test_format_is_validated(planted_db: Path, tmp_path: Path) -> None:
    res = export(planted_db, tmp_path / "x", "--format", "xlsx")
    assert res.returncode == 2
    assert "invalid choice: 'xlsx'" in res.stderr
    assert not (tmp_path / "x").exists()


def test_missing_mart_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    duckdb.connect(str(db)).close()
    res = export(db, tmp_path / "out")
    assert res.returncode == 2
    assert f"{TABULAR} is missing" in res.stderr
    assert [p.name for p in (tmp_path / "out").iterdir()] == [".export.lock"]


def test_rewrite_replaces_the_file_and_leaves_no_spill(planted_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir(mode=0o755)
    (out / ".haim_embeddings.csv.tmp-1-deadbeef").write_text("left by a killed run")
    (out / "haim_embeddings.csv").write_text("stale")
    assert export(planted_db, out, "--memory-limit", "64MB").returncode == 0
    assert sorted(p.name for p in out.iterdir()) == [".export.lock", "haim_embeddings.csv"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert verify(planted_db, out) == 0


def test_interrupted_export_leaves_the_previous_file(tmp_path: Path) -> None:
    """SIGINT at several moments of the COPY (sorting, writing, finishing): every run ends within seconds,
    either interrupted (exit 130, the old file untouched) or complete; never a temporary file left."""
    db = tmp_path / "big.duckdb"
    plant_mart(db, rows=8000)  # ~45 MB of CSV: the COPY takes seconds, so the signals land inside it
    out = tmp_path / "out"
    out.mkdir(mode=0o700)
    cmd = [sys.executable, "-m", "export", "-v", "haim-embeddings", "--db", str(db), "--out", str(out),
           "--workers", "1"]  # fmt: skip
    codes = []
    for delay in (0.0, 0.3, 0.8, 1.5, 2.5):
        (out / "haim_embeddings.csv").write_text("previous export\n")
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert proc.stderr is not None
        for line in proc.stderr:  # the COPY starts right after this log line
            if "columns →" in line:
                break
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        codes.append(proc.returncode)
        assert proc.returncode in (0, 130), err
        text = (out / "haim_embeddings.csv").read_text()
        if proc.returncode == 130:
            assert text == "previous export\n"
        else:
            assert text.startswith("haim_id,") and text.count("\n") == 8001
        assert sorted(p.name for p in out.iterdir()) == [".export.lock", "haim_embeddings.csv"]
    assert codes[0] == 130, codes  # a signal at the start of the COPY always interrupts it


def test_verify_finds_the_folder_under_an_export_root(csv_out: Path, mart_db: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    _copy(csv_out, root / "haim-embeddings")
    assert verify(mart_db, root) == 0


def test_every_export_run_includes_this_one(planted_db: Path, tmp_path: Path) -> None:
    """`python -m export --out OUT` runs this exporter into OUT/haim-embeddings."""
    from mimic_mm.export.cli import ALL_EXPORTS, build_parser

    assert ALL_EXPORTS["haim-embeddings"] == "haim-embeddings"
    _, subs = build_parser()
    ns = subs["haim-embeddings"].parse_args(
        ["--db", str(planted_db), "--out", str(tmp_path / "haim-embeddings"), "--workers", "1"]
    )
    assert ns.run(ns) == 0
    assert (tmp_path / "haim-embeddings" / "haim_embeddings.csv").is_file()
    assert verify(planted_db, tmp_path) == 0  # the root folder: layout detected per sub-folder
