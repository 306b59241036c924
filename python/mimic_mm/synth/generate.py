"""Orchestration: build the universe, write every release (in parallel processes), then the ground truth."""

from __future__ import annotations

import json
import logging
import multiprocessing as mp
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from mimic_mm.private_fs import make_private_dirs
from mimic_mm.releases import release_tables
from mimic_mm.synth import cxr, eyetracking
from mimic_mm.synth.csvio import write_bytes, write_table
from mimic_mm.synth.dictionaries import build as build_dictionaries
from mimic_mm.synth.frames import build_frames
from mimic_mm.synth.mimic import MimicTables
from mimic_mm.synth.oracle import Interval, ed_match, image_time, interval_id, study_time_text
from mimic_mm.synth.skeleton import Universe, build_universe

log = logging.getLogger("mimic_mm.synth")

MIMIC_IV_VERSIONS = ("2.2", "1.0")
ROOTS = {
    "mimic-iv": "physionet.org/files/mimiciv/{version}",
    "mimic-iv-ed-2.2": "physionet.org/files/mimic-iv-ed/2.2",
    "mimic-iv-note-2.2": "physionet.org/files/mimic-iv-note/2.2",
    "mimic-cxr-jpg-2.0.0": "physionet.org/files/mimic-cxr-jpg/2.0.0",
    "mimic-cxr-2.0.0": "physionet.org/files/mimic-cxr/2.0.0",
    "reflacx-1.0.0": "physionet.org/files/reflacx-xray-localization/1.0.0",
    "egd-cxr-1.0.0": "physionet.org/files/egd-cxr/1.0.0",
}
# Relative cost of the tables, so the longest start first and the pool stays busy.
_COST = {"chartevents": 100, "labevents": 25, "emar_detail": 12, "poe": 8, "emar": 8, "images": 10}
GROUND_TRUTH = "ground_truth.json"
PARTIAL = ".synth-partial"
WINDOW_HOURS = 168


@dataclass
class GenerationSummary:
    out: Path
    subjects: int
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)  # "<release>/<table>" -> data rows (or files)
    task_seconds: dict[str, float] = field(
        default_factory=dict
    )  # same keys: wall time of the task writing it
    images: int = 0
    planted_cases: int = 0


@dataclass
class _State:
    universe: Universe
    root: Path
    mimic: dict[str, MimicTables]
    cases: list[eyetracking.ReflacxCase]
    shown: list
    media: list[eyetracking.Media]
    image_parts: int


_STATE: _State | None = None  # set before the worker processes fork; read-only afterwards


def release_root(out: Path, release: str, version: str) -> Path:
    key = "mimic-iv" if release.startswith("mimic-iv-") and release[9:10].isdigit() else release
    return out / ROOTS[key].format(version=version)


def _mimic_task(release: str, table: str) -> dict[str, int]:
    st = _STATE
    assert st is not None
    rt = release_tables(release)[table]
    root = release_root(st.root, release, st.universe.mimic_iv_version)
    if release.startswith(("mimic-cxr-jpg", "mimic-cxr-2")):
        rows = write_table(root / rt.path, rt.header, cxr.table_chunks(st.universe, rt))
    else:
        rows = write_table(root / rt.path, rt.header, st.mimic[release].chunks(table))
    return {f"{release}/{table}": rows}


def _images_task(part: int) -> dict[str, int]:
    st = _STATE
    assert st is not None
    root = release_root(st.root, "mimic-cxr-jpg-2.0.0", "")
    return {"mimic-cxr-jpg-2.0.0/jpg files": cxr.write_images(st.universe, root, part, st.image_parts)}


def _reports_task() -> dict[str, int]:
    st = _STATE
    assert st is not None
    return {
        "mimic-cxr-2.0.0/report files": cxr.write_reports(
            st.universe, release_root(st.root, "mimic-cxr-2.0.0", "")
        )
    }


def _reflacx_task() -> dict[str, int]:
    st = _STATE
    assert st is not None
    counts = eyetracking.write_reflacx(st.universe, release_root(st.root, "reflacx-1.0.0", ""), st.cases)
    return {f"reflacx-1.0.0/{k}": v for k, v in counts.items()}


def _eye_gaze_task() -> dict[str, int]:
    st = _STATE
    assert st is not None
    root = release_root(st.root, "egd-cxr-1.0.0", "")
    counts = eyetracking.write_eye_gaze(st.universe, root, st.shown, st.media)
    return {f"egd-cxr-1.0.0/{k}": v for k, v in counts.items()}


def _tasks(
    mimic_release: str, image_parts: int, only_mimic_iv: bool = False
) -> list[tuple[str, Callable[..., dict[str, int]], tuple]]:
    tasks: list[tuple[str, Callable[..., dict[str, int]], tuple]] = []
    releases = [mimic_release]
    if not only_mimic_iv:
        releases += ["mimic-iv-ed-2.2", "mimic-iv-note-2.2", "mimic-cxr-jpg-2.0.0", "mimic-cxr-2.0.0"]
    for release in releases:
        for table in release_tables(release):
            tasks.append((table, _mimic_task, (release, table)))
    if not only_mimic_iv:
        tasks += [("images", _images_task, (k,)) for k in range(image_parts)]
        tasks += [
            ("reports", _reports_task, ()),
            ("reflacx", _reflacx_task, ()),
            ("eye_gaze", _eye_gaze_task, ()),
        ]
    tasks.sort(key=lambda t: -_COST.get(t[0], 1))
    return tasks


def prepare_out(out: Path, force: bool) -> None:
    if out.exists() and any(out.iterdir()):
        if not force:
            raise FileExistsError(f"{out} is not empty; pass --force to replace the generated releases in it")
        for name in ("physionet.org", GROUND_TRUTH, PARTIAL):
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            elif target.exists():
                target.unlink()
    make_private_dirs(out)


def generate(
    out: Path,
    subjects: int,
    seed: int,
    mimic_iv_version: str = "2.2",
    workers: int = 1,
    force: bool = False,
    progress: bool = True,
    only_mimic_iv: bool = False,
) -> GenerationSummary:
    """Write all releases and `ground_truth.json` under `out`. Same arguments, same bytes.

    `only_mimic_iv` writes the MIMIC-IV tables alone (same bytes as in a whole run): the key checks over many
    sizes and seeds need nothing else.

    Everything is built in `out/.synth-partial/` and moved into place at the end, so a failed or interrupted
    run leaves no half-written release behind.
    """
    if mimic_iv_version not in MIMIC_IV_VERSIONS:
        raise ValueError(
            f"MIMIC-IV version {mimic_iv_version!r}: choose one of {', '.join(MIMIC_IV_VERSIONS)}"
        )
    if subjects < 1:
        raise ValueError("--subjects must be at least 1")
    started = time.monotonic()
    prepare_out(out, force)
    final_out, out = out, out / PARTIAL
    if out.exists():
        shutil.rmtree(out)  # left by an interrupted run
    make_private_dirs(out)
    try:
        summary = _generate_into(out, subjects, seed, mimic_iv_version, workers, progress, only_mimic_iv)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    for name in ("physionet.org", GROUND_TRUTH):
        os.replace(out / name, final_out / name)
    out.rmdir()
    summary.out = final_out
    summary.seconds = time.monotonic() - started
    return summary


def _generate_into(
    out: Path,
    subjects: int,
    seed: int,
    mimic_iv_version: str,
    workers: int,
    progress: bool,
    only_mimic_iv: bool,
) -> GenerationSummary:
    global _STATE
    log.info("building the universe: %d subjects, seed %d", subjects, seed)
    u = build_universe(subjects, seed, mimic_iv_version)
    eyetracking.assign(u)
    frames = build_frames(u)
    dicts = build_dictionaries(seed)
    mimic_release = f"mimic-iv-{mimic_iv_version}"
    mimic = {
        r: MimicTables(u, frames, dicts, release_tables(r))
        for r in (mimic_release, "mimic-iv-ed-2.2", "mimic-iv-note-2.2")
    }
    cases = eyetracking.reflacx_cases(u)
    shown, media = eyetracking.eye_gaze_plan(u)
    image_parts = max(1, min(8, len(u.images()) // 2000 + 1))
    _STATE = _State(u, out, mimic, cases, shown, media, image_parts)
    summary = GenerationSummary(out, subjects)
    tasks = _tasks(mimic_release, image_parts, only_mimic_iv)
    bar = tqdm(total=len(tasks), desc="writing releases", unit="file", disable=not progress)
    try:
        if workers > 1:
            with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as pool:
                futures = [pool.submit(_timed, fn, *args) for _, fn, args in tasks]
                try:
                    for fut in as_completed(futures):
                        _record(summary, *fut.result(), bar)
                except BaseException:
                    pool.shutdown(wait=True, cancel_futures=True)  # do not write the rest for nothing
                    raise
        else:
            for _, fn, args in tasks:
                _record(summary, *_timed(fn, *args), bar)
    finally:
        bar.close()
        _STATE = None
    truth = ground_truth(u, cases, media)
    write_bytes(out / GROUND_TRUTH, (json.dumps(truth, indent=1) + "\n").encode())
    summary.images = len(truth["images"])
    summary.planted_cases = len(truth["cases"])
    return summary


def _timed(fn: Callable[..., dict[str, int]], *args: object) -> tuple[dict[str, int], float]:
    t0 = time.monotonic()
    counts = fn(*args)
    return counts, time.monotonic() - t0


def _record(summary: GenerationSummary, counts: dict[str, int], seconds: float, bar: tqdm) -> None:
    for k, v in counts.items():
        summary.rows[k] = summary.rows.get(k, 0) + v
        summary.task_seconds[k] = summary.task_seconds.get(k, 0.0) + seconds
        # Every table at --verbose; the long ones always, so a big run shows where it is.
        log.log(
            logging.INFO if seconds >= 5 else logging.DEBUG,
            "wrote %s: %s rows in %.1f s",
            k,
            f"{v:,}",
            seconds,
        )
    bar.set_postfix_str(", ".join(counts)[:60], refresh=False)
    bar.update(1)


def ground_truth(u: Universe, cases: list[eyetracking.ReflacxCase], media: list[eyetracking.Media]) -> dict:
    """The linkage's correct outcome per image, DICOM repair and REFLACX case (plain Python oracle)."""
    images: dict[str, dict] = {}
    for s in u.subjects:
        ed = [Interval(e.stay_id, e.intime, e.outtime) for e in s.ed_stays]
        adm = [Interval(a.hadm_id, a.admittime, a.dischtime) for a in s.admissions]
        icu = [Interval(i.stay_id, i.intime, i.outtime) for i in s.icu_stays]
        for st in s.studies:
            t = image_time(st.time.strftime("%Y%m%d"), study_time_text(st.time))
            m0, m168 = ed_match(t, ed, 0), ed_match(t, ed, WINDOW_HOURS)
            for im in st.images:
                images[im.dicom_id] = {
                    "subject_id": s.subject_id,
                    "study_id": st.study_id,
                    "image_time": t.isoformat(timespec="microseconds"),
                    "ed_stay_id": m0.stay_id,
                    "ed_match": m0.match,
                    "ed_stay_id_168h": m168.stay_id,
                    "ed_match_168h": m168.match,
                    "hadm_id": interval_id(t, adm),
                    "icu_stay_id": interval_id(t, icu),
                    "cases": list(im.cases),
                }
    return {
        "generator": {"subjects": len(u.subjects), "seed": u.seed, "mimic_iv_version": u.mimic_iv_version},
        "images": images,
        "dicom_repairs": eyetracking.eye_gaze_truth(u, media),
        "reflacx_labels": eyetracking.reflacx_truth(cases),
        "cases": {k: u.cases[k] for k in sorted(u.cases)},
    }
