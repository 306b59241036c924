"""Issue 14, cases 2, 10, 11 and 12 for the lake: missing and damaged inputs, resume after a kill,
byte-identical re-runs and a manifest whose bytes change only with the lake's content."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from faults_convert_support import HOSP, ROOT, leftovers, run_convert, run_module, small_raw

MANIFEST = "_manifest.json"


def _files(lake: Path) -> dict[str, str]:
    """Every file of the lake (relative path -> sha256)."""
    return {
        str(p.relative_to(lake)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(lake.rglob("*"))
        if p.is_file()
    }


def _manifest(lake: Path) -> dict:
    return json.loads((lake / MANIFEST).read_text())


def test_empty_or_non_release_folder_fails_and_says_what_it_looked_for(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a release")
    lake = tmp_path / "lake"
    done = run_convert(empty, "--lake", lake)
    assert done.returncode == 2
    assert f"no release found under {empty}: looked for the marker files" in done.stderr
    assert "hosp/admissions.csv.gz" in done.stderr
    assert "Traceback" not in done.stderr
    assert not lake.exists()


def test_missing_table_is_an_error_unless_allowed(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-2.2")
    (raw / HOSP / "omr.csv.gz").unlink()
    lake = tmp_path / "lake"
    done = run_convert(raw, "--lake", lake, "--only", "hosp/omr", "hosp/admissions")
    assert done.returncode == 1
    assert "missing required file hosp/omr.csv.gz of mimic-iv-2.2" in done.stderr
    assert "pass --allow-missing hosp/omr (or all) to build it empty" in done.stderr
    assert not (lake / "hosp" / "omr.parquet").exists()
    assert "hosp/omr" not in _manifest(lake)["tables"]
    assert (lake / "hosp" / "admissions.parquet").is_file()

    done = run_convert(raw, "--lake", lake, "--only", "hosp/omr", "--allow-missing", "hosp/omr")
    assert done.returncode == 0, done.stderr
    entry = _manifest(lake)["tables"]["hosp/omr"]
    assert entry["status"] == "missing_allowed"
    assert entry["missing"] == ["hosp/omr.csv.gz"]
    assert entry["parquet_rows"] == 0
    assert "--allow-missing" in entry["note"]


def test_allow_missing_names_only_lake_tables(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-2.2")
    done = run_convert(raw, "--lake", tmp_path / "lake", "--allow-missing", "hosp/nope")
    assert done.returncode == 2
    assert "--allow-missing: unknown tables ['hosp/nope']" in done.stderr


def test_corrupt_parquet_in_the_lake_is_rebuilt_not_trusted(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-2.2")
    lake = tmp_path / "lake"
    assert run_convert(raw, "--lake", lake, "--only", "hosp/admissions").returncode == 0
    good = (lake / "hosp" / "admissions.parquet").read_bytes()
    damaged = bytearray(good)
    damaged[len(damaged) // 2] ^= 0xFF  # same size, one byte flipped: only a checksum sees it
    (lake / "hosp" / "admissions.parquet").write_bytes(bytes(damaged))
    done = run_convert(raw, "--lake", lake, "--only", "hosp/admissions", "-v")
    assert done.returncode == 0, done.stderr
    assert "hosp/admissions: converted" in done.stderr
    assert (lake / "hosp" / "admissions.parquet").read_bytes() == good


def test_rerun_is_byte_identical_and_manifest_changes_only_with_content(tmp_path):
    raw = small_raw(tmp_path, "mimic-iv-2.2", "mimic-iv-note-2.2")
    lake = tmp_path / "lake"
    assert run_convert(raw, "--lake", lake).returncode == 0
    first = _files(lake)
    stamp = _manifest(lake)["updated_at"]
    assert stamp.endswith("Z") and "T" in stamp
    time.sleep(1.1)  # a new timestamp would differ
    assert run_convert(raw, "--lake", lake).returncode == 0  # everything skipped
    assert _files(lake) == first
    assert run_convert(raw, "--lake", lake, "--force").returncode == 0  # rebuilt: same bytes
    assert _files(lake) == first
    assert _manifest(lake)["updated_at"] == stamp

    # A changed raw file (same rows, new gzip bytes) changes the manifest and its timestamp.
    path = raw / HOSP / "d_hcpcs.csv.gz"
    old_sha = _manifest(lake)["tables"]["hosp/d_hcpcs"]["sources"][0]["sha256"]
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes()), mtime=12345))
    time.sleep(1.1)
    assert run_convert(raw, "--lake", lake).returncode == 0
    after = _manifest(lake)
    assert after["updated_at"] != stamp
    assert after["tables"]["hosp/d_hcpcs"]["sources"][0]["sha256"] != old_sha
    assert _files(lake)[MANIFEST] != first[MANIFEST]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_killed_run_resumes_and_yields_the_same_lake(tmp_path, sig):
    raw = small_raw(tmp_path, "mimic-iv-2.2", "mimic-iv-note-2.2")
    reference = tmp_path / "reference"
    assert run_convert(raw, "--lake", reference).returncode == 0

    lake = tmp_path / "lake"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "convert", str(raw), "--lake", str(lake), "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    # Kill once some tables are recorded and others are not.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if len(_manifest(lake)["tables"]) >= 5:
                break
        except (OSError, ValueError):
            pass
        time.sleep(0.02)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    if sig == signal.SIGINT:
        assert "interrupted: finished tables are kept" in err
        assert "Traceback" not in err
    finished = set(_manifest(lake)["tables"])
    assert 5 <= len(finished) < len(_manifest(reference)["tables"])

    done = run_convert(raw, "--lake", lake, "-v")
    assert done.returncode == 0, done.stderr
    for key in finished:
        assert f"{key}: skipped" in done.stderr
    assert leftovers(lake) == []
    ours, theirs = _files(lake), _files(reference)
    assert {k: v for k, v in ours.items() if k != MANIFEST} == {
        k: v for k, v in theirs.items() if k != MANIFEST
    }
    strip = lambda d: {k: v for k, v in d.items() if k != "updated_at"}  # noqa: E731
    assert strip(_manifest(lake)) | {"releases": None} == strip(_manifest(reference)) | {"releases": None}


def test_full_disk_while_writing_the_manifest(tmp_path):
    """A file size limit (RLIMIT_FSIZE: writes fail with EFBIG as on a full disk) that the small Parquet files
    fit under and the growing manifest outgrows: one line naming the manifest, exit 2, the last manifest
    written stays whole and no temporary or spill file is left."""
    raw = small_raw(tmp_path, "mimic-iv-ed-2.2")
    lake = tmp_path / "lake"
    tables = ["ed/edstays", "ed/triage", "ed/diagnosis", "ed/vitalsign", "ed/pyxis", "ed/medrecon"]
    done = run_module(
        "convert",
        raw,
        "--lake",
        lake,
        "--only",
        *tables,
        timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (4000, 4000)),
    )
    assert done.returncode == 2
    assert f"{lake / MANIFEST}: cannot write the manifest (File too large)" in done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    recorded = _manifest(lake)["tables"]  # still valid JSON: the rename never happened
    assert 0 < len(recorded) < len(tables)
    assert leftovers(lake) == []
