"""Images open at their metadata size and say which they are; runs are byte-identical; owner-only modes."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from synth_readback import read_rows, table_path

from mimic_mm.synth import images
from mimic_mm.synth.__main__ import main
from mimic_mm.synth.generate import generate, release_root


@pytest.mark.xdist_group("synth22")
def test_images_open_at_metadata_size_and_decode(gen22: Path, truth22: dict) -> None:
    root = release_root(gen22, "mimic-cxr-jpg-2.0.0", "")
    missing = set(truth22["cases"]["image_missing_on_disk"])
    broken = set(truth22["cases"]["image_unreadable"])
    checked = 0
    for m in read_rows(table_path(gen22, "mimic-cxr-jpg-2.0.0", "metadata")):
        path = root / f"files/p{m['subject_id'][:2]}/p{m['subject_id']}/s{m['study_id']}/{m['dicom_id']}.jpg"
        if m["dicom_id"] in missing:
            assert not path.exists()
            continue
        if m["dicom_id"] in broken:
            with pytest.raises(OSError), Image.open(path) as im:
                im.load()
            continue
        with Image.open(path) as im:
            assert im.size == (int(m["Columns"]), int(m["Rows"])), m["dicom_id"]
            assert images.decode(np.asarray(im.convert("L"))) == images.image_code(m["dicom_id"])
        checked += 1
    assert checked > 100


def _digests(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.xdist_group("synth22")
def test_same_seed_same_bytes(gen22: Path, gen22_again: Path) -> None:
    first, second = _digests(gen22), _digests(gen22_again)
    assert len(first) > 500
    assert first == second


@pytest.mark.xdist_group("synth22")
def test_outputs_are_owner_only(gen22: Path) -> None:
    for p in gen22.rglob("*"):
        mode = stat.S_IMODE(p.stat().st_mode)
        assert mode & 0o077 == 0, f"{p} is readable by others ({oct(mode)})"
    assert not list(gen22.rglob(".*.tmp-*"))


def test_small_universe_without_plants_and_cli_guards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "small"
    assert main(["--out", str(out), "--subjects", "12", "--seed", "3", "--workers", "1", "--quiet"]) == 0
    truth = (out / "ground_truth.json").read_text()
    assert '"subjects": 12' in truth
    assert main(["--out", str(out), "--subjects", "12", "--quiet"]) == 2, "non-empty --out needs --force"
    assert (
        main(["--out", str(out), "--subjects", "12", "--seed", "3", "--force", "--quiet", "--workers", "1"])
        == 0
    )
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--mimic-iv-version" in capsys.readouterr().out
    with pytest.raises(ValueError):
        generate(tmp_path / "bad", 5, 1, "3.1")


@pytest.mark.parametrize("workers", [1, 2])
def test_failed_run_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    def broken(*_: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr("mimic_mm.synth.cxr.write_reports", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="disk full"):
        generate(out, 12, 1, workers=workers, progress=False)
    assert list(out.iterdir()) == []
