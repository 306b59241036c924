"""REFLACX 1.0.0 and EyeGaze (EGD-CXR) 1.0.0: who is in them, their tables, per-case folders and defects.

`assign` picks the eye-tracking subjects and images (planted ones first); `reflacx_cases` and
`eye_gaze_plan` turn image roles into cases and sessions; the writers put the files in the published layout.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from mimic_mm.releases import Column, ReleaseTable, release_tables
from mimic_mm.synth import cxr, plants
from mimic_mm.synth.csvio import write_bytes, write_table
from mimic_mm.synth.model import Image, Study, Subject
from mimic_mm.synth.oracle import dicom_repairs, merge_reflacx
from mimic_mm.synth.rng import stream
from mimic_mm.synth.skeleton import Universe

REFLACX = "reflacx-1.0.0"
EYE_GAZE = "egd-cxr-1.0.0"
# Published shares among CXR subjects (MIMIC-Eye): 2,199 REFLACX and 1,038 EyeGaze of 65,379; small runs
# get a floor so every kind of case shows up.
REFLACX_SHARE, EYE_GAZE_SHARE = 2199 / 65379, 1038 / 65379
REFLACX_FLOOR, EYE_GAZE_FLOOR = 16, 10
READERS_PER_IMAGE = {1: 5, 2: 5, 3: 1}
DICTATION = [
    "the",
    "heart",
    "size",
    "is",
    "normal",
    "there",
    "is",
    "a",
    "small",
    "left",
    "pleural",
    "effusion",
]
OTHER_TEXT = ["Scoliosis", "Hilar prominence|Scoliosis", "Aortic calcification", "Elevated hemidiaphragm"]


def _frontal(st: Study) -> Image:
    return st.images[0]


def assign(u: Universe) -> None:
    """Choose random REFLACX/EyeGaze subjects among CXR subjects and give their images roles."""
    rng = stream(u.seed, "eye-tracking assignment")
    pool = [s for s in u.subjects if s.studies and not s.cases and not any(im.roles for _, _, im in _imgs(s))]
    pool = [s for s in pool if not any(im.cases for _, _, im in _imgs(s))]
    n_cxr = sum(1 for s in u.subjects if s.studies)
    n_ref = min(len(pool), max(REFLACX_FLOOR, round(REFLACX_SHARE * n_cxr)))
    n_eg = min(len(pool) - n_ref, max(EYE_GAZE_FLOOR, round(EYE_GAZE_SHARE * n_cxr)))
    order = rng.permutation(len(pool))
    for k in order[:n_ref]:
        s = pool[int(k)]
        s.in_reflacx = True
        picks = rng.choice(len(s.studies), min(len(s.studies), 1 + int(rng.random() < 0.3)), replace=False)
        for st in (s.studies[int(i)] for i in picks):
            phase = int(rng.choice([1, 2, 3], p=[0.06, 0.05, 0.89]))
            _frontal(st).roles.append(plants.REFLACX_PHASE[phase])
            if phase == 3 and rng.random() < 0.01:
                _frontal(st).roles.append(plants.REFLACX_DISCARDED)
    for k in order[n_ref : n_ref + n_eg]:
        s = pool[int(k)]
        s.in_eye_gaze = True
        _frontal(s.studies[int(rng.integers(len(s.studies)))]).roles.append(plants.EYE_GAZE)
        if rng.random() < 0.01:  # the published sets overlap in a handful of subjects
            s.in_reflacx = True
            _frontal(s.studies[0]).roles.append(plants.REFLACX_PHASE[3])


def _imgs(s: Subject) -> list[tuple[Subject, Study, Image]]:
    return [(s, st, im) for st in s.studies for im in st.images]


# ---- REFLACX ---------------------------------------------------------------------------------------------


@dataclass
class ReflacxCase:
    id: str
    phase: int
    subject: Subject
    study: Study
    image: Image
    discarded: bool
    labels: dict[str, object] = field(default_factory=dict)  # raw values of the phase's label columns


def _label_columns(phase: int) -> list[Column]:
    rt = release_tables(REFLACX)[f"metadata_phase_{phase}"]
    return list(rt.columns[8:])


def reflacx_cases(u: Universe) -> list[ReflacxCase]:
    rng = stream(u.seed, "reflacx cases")
    used: set[int] = set()
    cases: list[ReflacxCase] = []
    for s, st, im in u.images():
        for phase, role in plants.REFLACX_PHASE.items():
            if role not in im.roles:
                continue
            for reader in range(READERS_PER_IMAGE[phase]):
                while (num := int(rng.integers(100000, 1000000))) in used:
                    pass
                used.add(num)
                prefix = {1: "P102", 2: f"P2{reader + 1:02d}", 3: "P300"}[phase]
                discarded = plants.REFLACX_DISCARDED in im.roles
                case = ReflacxCase(f"{prefix}R{num}", phase, s, st, im, discarded)
                for c in _label_columns(phase):
                    if c.type == "BOOLEAN":
                        case.labels[c.name] = bool(
                            rng.random() < (0.3 if c.name == "Support devices" else 0.05)
                        )
                    elif c.type == "VARCHAR":
                        case.labels[c.name] = (
                            OTHER_TEXT[int(rng.integers(len(OTHER_TEXT)))] if rng.random() < 0.15 else ""
                        )
                    else:
                        case.labels[c.name] = int(rng.integers(1, 6)) if rng.random() < 0.15 else 0
                if reader == 0 and "reflacx_phase1_mass_and_nodule" in im.cases:
                    case.labels.update(
                        {
                            "Mass": 3,
                            "Nodule": 5,
                            "Emphysema": 2,
                            "Pleural effusion": 4,
                            "Pleural thickening": 1,
                            "Other": "Scoliosis|Hilar prominence",
                        }
                    )
                    u.cases.setdefault("reflacx_case_mass_and_nodule", []).append(case.id)
                if reader == 0 and "reflacx_phase2_merge_groups" in im.cases:
                    case.labels.update(
                        {
                            "Lung nodule or mass": 4,
                            "High lung volume / emphysema": 2,
                            "Pleural abnormality": 5,
                            "Support devices": True,
                        }
                    )
                    u.cases.setdefault("reflacx_case_phase2_merge_groups", []).append(case.id)
                if discarded:
                    u.cases.setdefault("reflacx_case_discarded", []).append(case.id)
                cases.append(case)
            if READERS_PER_IMAGE[phase] > 1:
                u.cases.setdefault("reflacx_dicom_read_by_several", []).append(im.dicom_id)
    return cases


def _bool_text(v: object) -> str:
    return "True" if v else "False"


def _numeric(
    rt: ReleaseTable,
    rng: np.random.Generator,
    n: int,
    base: Mapping[str, object],
    ranges: Mapping[str, tuple[float, float]],
) -> pa.Table:
    """All columns of a numeric per-row table: given ones from `base`, the rest uniform in their range."""
    cols = {}
    for c in rt.columns:
        if c.name in base:
            cols[c.name] = pa.array(base[c.name])
            continue
        lo, hi = ranges.get(c.name, (0.0, 1.0))
        if c.type == "INTEGER":
            cols[c.name] = pa.array(rng.integers(int(lo), int(hi) + 1, n))
        else:
            cols[c.name] = pa.array(np.round(rng.uniform(lo, hi, n), 4))
    return pa.table(cols)


def write_reflacx(u: Universe, root: Path, cases: list[ReflacxCase]) -> dict[str, int]:
    cat = release_tables(REFLACX)
    counts: dict[str, int] = {}
    for phase in (1, 2, 3):
        rt = cat[f"metadata_phase_{phase}"]
        rows = [c for c in cases if c.phase == phase]
        cols: dict[str, list[object]] = {
            "id": [c.id for c in rows],
            "split": ["test" if c.image.dicom_id[-1] in "01" else "train" for c in rows],
            "eye_tracking_data_discarded": [_bool_text(c.discarded) for c in rows],
            "image": [
                f"physionet.org/files/mimic-cxr/2.0.0/"
                f"{cxr.image_rel_path(c.subject.subject_id, c.study.study_id, c.image.dicom_id, 'dcm')}"
                for c in rows
            ],
            "dicom_id": [c.image.dicom_id for c in rows],
            "subject_id": [c.subject.subject_id for c in rows],
            "image_size_x": [c.image.columns for c in rows],
            "image_size_y": [c.image.rows for c in rows],
        }
        for col in rt.columns[8:]:
            vals = [c.labels[col.name] for c in rows]
            cols[col.name] = [_bool_text(v) for v in vals] if col.type == "BOOLEAN" else vals
        tbl = pa.table({c: pa.array(cols[c], type=pa.string() if not cols[c] else None) for c in rt.header})
        counts[rt.table] = write_table(root / rt.path, rt.header, [tbl])
    for case in cases:
        _write_case_files(u, root, cat, case, counts)
    return counts


def _write_case_files(
    u: Universe, root: Path, cat: dict[str, ReleaseTable], case: ReflacxCase, counts: dict[str, int]
) -> None:
    rng = stream(u.seed, "reflacx files", case.id)
    w, h = case.image.columns, case.image.rows
    ell_rt = cat[
        "anomaly_location_ellipses_phase_1" if case.phase == 1 else "anomaly_location_ellipses_phase_2_3"
    ]
    present = [k for k, v in case.labels.items() if isinstance(v, int) and not isinstance(v, bool) and v > 0]
    n = len(present)
    x0, y0 = rng.uniform(0, w * 0.6, n), rng.uniform(0, h * 0.6, n)
    ell: dict[str, object] = {
        "xmin": np.round(x0, 1),
        "ymin": np.round(y0, 1),
        "xmax": np.round(x0 + rng.uniform(10, w * 0.4, n), 1),
        "ymax": np.round(y0 + rng.uniform(10, h * 0.4, n), 1),
        "certainty": [int(case.labels[k]) for k in present],  # type: ignore[call-overload]
    }
    for col in ell_rt.columns[5:]:
        ell[col.name] = [_bool_text(col.name == k) for k in present]
    tbl = pa.table(
        {
            c: pa.array(np.asarray(ell[c]).tolist(), type=pa.string() if n == 0 else None)
            for c in ell_rt.header
        }
    )
    _count(counts, ell_rt.table, write_table(root / ell_rt.path.format(id=case.id), ell_rt.header, [tbl]))
    box_rt = cat["chest_bounding_box"]
    box = _numeric(
        box_rt, rng, 1, {"xmin": [w * 0.1], "ymin": [h * 0.08], "xmax": [w * 0.9], "ymax": [h * 0.92]}, {}
    )
    _count(counts, box_rt.table, write_table(root / box_rt.path.format(id=case.id), box_rt.header, [box]))
    if case.discarded:
        return  # discarded cases ship no fixations, gaze or transcription
    screen = {
        "x_position": (0, w),
        "y_position": (0, h),
        "window_width": (200, 4096),
        "window_level": (100, 2048),
        "angular_resolution_x_pixels_per_degree": (40, 60),
        "angular_resolution_y_pixels_per_degree": (40, 60),
        "xmax_shown_from_image": (w, w),
        "ymax_shown_from_image": (h, h),
        "xmin_shown_from_image": (0, 0),
        "ymin_shown_from_image": (0, 0),
        "xmax_in_screen_coordinates": (1920, 1920),
        "ymax_in_screen_coordinates": (1080, 1080),
        "xmin_in_screen_coordinates": (0, 0),
        "ymin_in_screen_coordinates": (0, 0),
    }
    nf = int(rng.integers(50, 150))
    start = np.sort(rng.uniform(0, 60, nf))
    fix_rt = cat["fixations"]
    fix = _numeric(
        fix_rt,
        rng,
        nf,
        {
            "timestamp_start_fixation": np.round(start, 3),
            "timestamp_end_fixation": np.round(start + rng.uniform(0.05, 0.5, nf), 3),
        },
        screen,
    )
    _count(counts, fix_rt.table, write_table(root / fix_rt.path.format(id=case.id), fix_rt.header, [fix]))
    ng = int(rng.integers(300, 800))
    gaze_rt = cat["gaze"]
    gaze = _numeric(gaze_rt, rng, ng, {"timestamp_sample": np.round(np.linspace(0, 60, ng), 3)}, screen)
    _count(counts, gaze_rt.table, write_table(root / gaze_rt.path.format(id=case.id), gaze_rt.header, [gaze]))
    words = DICTATION
    ts_rt = cat["timestamps_transcription"]
    t0 = np.round(np.arange(len(words)) * 0.4 + 1, 2)
    ts = pa.table({"word": words, "timestamp_start_word": t0, "timestamp_end_word": t0 + 0.3})
    _count(counts, ts_rt.table, write_table(root / ts_rt.path.format(id=case.id), ts_rt.header, [ts]))
    write_bytes(root / cat["transcription"].path.format(id=case.id), (" ".join(words) + ".").encode())


def _count(counts: dict[str, int], table: str, n: int) -> None:
    counts[table] = counts.get(table, 0) + n


def reflacx_truth(cases: list[ReflacxCase]) -> dict[str, dict[str, int | bool | str | None]]:
    """Merged labels per case, computed from the raw values exactly as they are written."""
    out = {}
    for c in cases:
        raw = {k: (_bool_text(v) if isinstance(v, bool) else str(v)) for k, v in c.labels.items()}
        out[c.id] = merge_reflacx(raw)
    return out


# ---- EyeGaze ---------------------------------------------------------------------------------------------


@dataclass
class Media:
    session: int
    media: int
    dicom_id: str  # the ID the rows carry (valid, truncated, calibration or unresolvable)
    valid_id: str | None  # the image really shown (None for calibration / unknown)
    gaze_rows: int
    fixation_rows: int
    truncated: str | None = None  # rows [0, share) of this media carry this ID instead
    share: float = 0.0


def eye_gaze_plan(u: Universe) -> tuple[list[tuple[Subject, Study, Image]], list[Media]]:
    """Master-sheet images and the sessions' media, with the planted DICOM_ID defects."""
    rng = stream(u.seed, "eye gaze sessions")
    shown = [(s, st, im) for s, st, im in u.images() if plants.EYE_GAZE in im.roles]
    order = rng.permutation(len(shown))
    media: list[Media] = []
    session, m = 1, 0
    calib = "-".join(f"{int(x):08x}" for x in rng.integers(0, 2**32, 5)) + "_calibration"
    media.append(Media(1, 0, calib, None, 60, 3))
    m = 1
    for k in order:
        im = shown[int(k)][2]
        if m >= 10:
            session, m = session + 1, 0
        med = Media(
            session, m, im.dicom_id, im.dicom_id, int(rng.integers(1100, 1700)), int(rng.integers(30, 60))
        )
        for role, (cut, with_valid) in plants.TRUNCATIONS.items():
            if role in im.roles:
                trunc = im.dicom_id[:-cut]
                if with_valid:
                    med.truncated, med.share = trunc, 0.3
                else:
                    med.dicom_id = trunc
                u.cases.setdefault(role, []).append(trunc)
        if plants.EYE_GAZE_AMBIGUOUS in im.roles:
            med.dicom_id = im.dicom_id[:35]
            u.cases.setdefault(plants.EYE_GAZE_AMBIGUOUS, []).append(med.dicom_id)
        media.append(med)
        m += 1
    if shown:
        u.cases.setdefault("eye_gaze_calibration", []).append(calib)
        lost = "-".join(f"{int(rng.integers(0, 2**32)):08x}" for _ in range(4)) + "-" + "0123"
        media.append(Media(session, m, lost, None, 40, 2))
        u.cases.setdefault("eye_gaze_unresolved_no_match", []).append(lost)
    return shown, media


GAZE_RANGES = {
    "FPOGD": (0.05, 0.8),
    "LPD": (10, 30),
    "RPD": (10, 30),
    "LPMM": (2, 6),
    "RPMM": (2, 6),
    "SACCADE_MAG": (0, 500),
    "SACCADE_DIR": (-180, 180),
    "VID_FRAME": (0, 10000),
    "BKID": (0, 50),
    "BKPMIN": (0, 30),
    "BKDUR": (0, 0.5),
    "LPS": (0.5, 1.5),
    "RPS": (0.5, 1.5),
}


def _gaze_table(
    rt: ReleaseTable, rng: np.random.Generator, med: Media, fixations: bool, size: tuple[int, int]
) -> pa.Table:
    n = med.fixation_rows if fixations else med.gaze_rows
    ids = np.full(n, med.dicom_id, dtype=object)
    if med.truncated:
        ids[: max(1, int(n * med.share))] = med.truncated
    t = np.round(np.sort(rng.uniform(0, 60, n)) if fixations else np.linspace(0, n / 60, n), 5)
    base = {
        "SESSION_ID": np.full(n, med.session),
        "MEDIA_ID": np.full(n, med.media),
        "DICOM_ID": ids,
        "CNT": np.arange(n),
        "Time (in secs)": t,
        "TIMETICK(f=10000000)": np.round(t * 1e7),
        "FPOGID": np.arange(1, n + 1),
        "X_ORIGINAL": np.round(rng.uniform(0, size[1], n), 2),
        "Y_ORIGINAL": np.round(rng.uniform(0, size[0], n), 2),
    }
    return _numeric(rt, rng, n, base, GAZE_RANGES)


def write_eye_gaze(
    u: Universe, root: Path, shown: list[tuple[Subject, Study, Image]], media: list[Media]
) -> dict[str, int]:
    cat = release_tables(EYE_GAZE)
    rng = stream(u.seed, "eye gaze files")
    counts: dict[str, int] = {}
    sizes = {im.dicom_id: (im.rows, im.columns) for _, _, im in shown}
    for name, fixations in (("eye_gaze", False), ("fixations", True)):
        rt = cat[name]
        chunks = [
            _gaze_table(
                rt,
                stream(u.seed, name, med.session, med.media),
                med,
                fixations,
                sizes.get(med.valid_id or "", (320, 256)),
            )
            for med in media
        ]
        counts[name] = write_table(root / rt.path, rt.header, chunks)
    ms_rt = cat["master_sheet"]
    ms: dict[str, list[object]] = {c.name: [] for c in ms_rt.columns}
    for s, st, im in shown:
        has_dx: dict[str, bool] = {}
        row = {
            "dicom_id": im.dicom_id,
            "path": cxr.image_rel_path(s.subject_id, st.study_id, im.dicom_id, "dcm"),
            "study_id": st.study_id,
            "patient_id": s.subject_id,
            "stay_id": int(rng.integers(30_000_000, 40_000_000))
            + 1,  # from an old release: matches no ED stay
            "gender": s.gender,
            "anchor_age": f"{s.anchor_age // 10 * 10} - {s.anchor_age // 10 * 10 + 10}",
            "cxr_exam_indication": "___ year old with shortness of breath",
        }
        for c in ms_rt.columns:
            if c.name in row:
                ms[c.name].append(row[c.name])
            elif c.name.endswith("_pad"):
                ms[c.name].append(int(rng.integers(0, 200)))
            elif c.name.startswith("dx"):
                dx = c.name.removesuffix("_icd")  # dxN and dxN_icd are filled together, fewer for larger N
                if dx not in has_dx:
                    has_dx[dx] = bool(rng.random() < 0.6 * 0.7 ** int(dx[2:]))
                ms[c.name].append(
                    ("J189" if c.name.endswith("_icd") else "Pneumonia") if has_dx[dx] else None
                )
            elif c.name.endswith("__chx"):
                ms[c.name].append([1.0, 0.0, -1.0, None][int(rng.choice(4, p=[0.2, 0.1, 0.05, 0.65]))])
            else:
                ms[c.name].append(int(rng.random() < 0.2))
    tbl = pa.table({c: pa.array(v) for c, v in ms.items()})
    counts["master_sheet"] = write_table(root / ms_rt.path, ms_rt.header, [tbl])
    bb_rt = cat["bounding_boxes"]
    names = [
        "right lung",
        "left lung",
        "mediastinum",
        "aortic knob",
        "right costophrenic angle",
        "left costophrenic angle",
        "heart",
        "trachea",
    ]
    bb = {"dicom_id": [im.dicom_id for _, _, im in shown for _ in names], "bbox_name": names * len(shown)}
    n = len(bb["dicom_id"])
    x1, y1 = rng.uniform(0, 150, n), rng.uniform(0, 150, n)
    tbl = pa.table(
        {
            "dicom_id": pa.array(bb["dicom_id"], pa.string()),
            "bbox_name": pa.array(bb["bbox_name"], pa.string()),
            "x1": np.round(x1, 1),
            "x2": np.round(x1 + 80, 1),
            "y1": np.round(y1, 1),
            "y2": np.round(y1 + 90, 1),
        }
    )
    counts["bounding_boxes"] = write_table(root / bb_rt.path, bb_rt.header, [tbl])
    from PIL import Image as PILImage

    tr_path = cat["transcript"].path
    for _, _, im in shown:
        phrases = [
            {"phrase": "the lungs are clear", "begin_time": 1.2, "end_time": 2.9},
            {"phrase": "no pleural effusion", "begin_time": 3.4, "end_time": 4.8},
        ]
        doc = {"full_text": " ".join(p["phrase"] for p in phrases), "time_stamped_text": phrases}  # type: ignore[misc]
        path = root / tr_path.format(dicom_id=im.dicom_id)
        write_bytes(path, json.dumps(doc, indent=1).encode())
        for seg in ("aortic_knob", "left_lung", "mediastanum", "right_lung"):
            import io

            buf = io.BytesIO()
            PILImage.fromarray(np.zeros((32, 32), np.uint8)).save(buf, format="PNG")
            write_bytes(path.parent / f"{seg}.png", buf.getvalue())
    counts["transcript"] = len(shown)
    return counts


def eye_gaze_truth(u: Universe, media: list[Media]) -> list[dict[str, object]]:
    """Repairs per file, from the IDs each file's rows carry (same counts as written)."""
    valid = sorted(im.dicom_id for _, _, im in u.images())
    master = {m.valid_id for m in media if m.valid_id}
    out: list[dict[str, object]] = []
    for name, fixations in (("eye_gaze", False), ("fixations", True)):
        rows: list[tuple[int, int, str]] = []
        for med in media:
            n = med.fixation_rows if fixations else med.gaze_rows
            k = max(1, int(n * med.share)) if med.truncated else 0
            rows += [(med.session, med.media, med.truncated or "")] * k + [
                (med.session, med.media, med.dicom_id)
            ] * (n - k)
        out += dicom_repairs(name, rows, valid, master)  # type: ignore[arg-type]
    return out
