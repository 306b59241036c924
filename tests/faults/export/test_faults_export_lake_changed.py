"""Issue 14.2: a warehouse built from an older lake is refused by every exporter and every verify."""

from __future__ import annotations

import re
from pathlib import Path

import faults_export_release as fr
import pytest


def test_changed_lake_is_refused_until_dbt_build(tmp_path: Path) -> None:
    rel = fr.build_release(tmp_path / "rel")
    haim, eye = tmp_path / "out" / "haim", tmp_path / "out" / "mimic-eye"
    ok = fr.run_export("haim", "--db", str(rel.db), "--out", str(haim), "--limit", "3", "--workers", "1")
    assert ok.returncode == 0, ok.stderr[-2000:]
    before = fr.tree_digest(tmp_path / "out")

    # convert re-run with new data, dbt build not re-run
    fr.synth(tmp_path / "raw2", seed=fr.SEED + 1)
    fr.convert(tmp_path / "raw2", rel.lake)

    for argv in (
        ["haim", "--db", str(rel.db), "--out", str(haim), "--limit", "3", "--workers", "1"],
        ["mimic-eye", "--db", str(rel.db), "--out", str(eye), "--limit", "3"],
        ["verify", str(haim), "--db", str(rel.db)],
        ["--db", str(rel.db), "--out", str(tmp_path / "out")],  # every export
    ):
        proc = fr.run_export(*argv)
        assert proc.returncode == 2, (argv, proc.stderr[-2000:])
        lines = [ln for ln in fr.stderr_lines(proc) if ln.startswith("error:")]
        assert len(lines) == 1, (argv, fr.stderr_lines(proc))
        msg = lines[0]
        assert msg.startswith("error: the lake ") and str(rel.lake) in msg and str(rel.db) in msg
        assert "`dbt build`" in msg
        # both timestamps: when the lake changed, when the warehouse was built
        assert len(re.findall(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", msg)) >= 2, msg
        assert "Traceback" not in proc.stderr
    assert fr.tree_digest(tmp_path / "out") == before, "a refused export must not write anything"
    assert not eye.exists()

    fr.dbt_build(rel, "lake_lineage")  # what the named `dbt build` does about it: record the new lake
    again = fr.run_export("verify", str(haim), "--db", str(rel.db))
    assert "the lake" not in again.stderr  # accepted now (the content differs: verify may report that)


@pytest.mark.parametrize("updated_at", [True, False])
def test_lake_timestamp_comes_from_manifest_or_mtime(tmp_path: Path, updated_at: bool) -> None:
    """The message's lake time is the manifest's `updated_at`, else the file's mtime."""
    import json
    import os

    from mimic_mm.export.warehouse import lake_updated_at

    manifest = tmp_path / "_manifest.json"
    doc: dict = {"format": 1, "tables": {}}
    if updated_at:
        doc["updated_at"] = "2031-02-03T04:05:06Z"
    manifest.write_text(json.dumps(doc))
    os.utime(manifest, (1_900_000_000, 1_900_000_000))
    assert lake_updated_at(manifest) == ("2031-02-03T04:05:06Z" if updated_at else "2030-03-17T17:46:40Z")
