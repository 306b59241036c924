"""The universe's entities: random subjects with MIMIC-like cardinalities, plus the planted hard cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from mimic_mm.synth import plants
from mimic_mm.synth.ids import Ids
from mimic_mm.synth.model import Admission, Image, Stay, Study, Subject
from mimic_mm.synth.rng import stream

CXR_SHARE = 0.4  # share of random subjects with chest X-rays
IMAGE_SIZES = [(320, 256), (352, 288), (384, 320), (256, 320), (320, 384)]  # (Rows, Columns), width >= 256
ICU_UNITS = [
    "Medical Intensive Care Unit (MICU)",
    "Surgical Intensive Care Unit (SICU)",
    "Cardiac Vascular Intensive Care Unit (CVICU)",
    "Medical/Surgical Intensive Care Unit (MICU/SICU)",
    "Trauma SICU (TSICU)",
    "Coronary Care Unit (CCU)",
    "Neuro Intermediate",
]


@dataclass
class Universe:
    seed: int
    mimic_iv_version: str
    subjects: list[Subject]
    planted: bool
    cases: dict[str, list[str]] = field(default_factory=dict)

    def images(self) -> list[tuple[Subject, Study, Image]]:
        return [(s, st, im) for s in self.subjects for st in s.studies for im in st.images]


def _ms(rng: np.random.Generator) -> timedelta:
    # Most real StudyTimes carry milliseconds; some are whole seconds.
    return timedelta(milliseconds=int(rng.integers(1, 1000))) if rng.random() < 0.7 else timedelta()


def add_study(ids: Ids, rng: np.random.Generator, subject: Subject, time: datetime, n_images: int) -> Study:
    study = Study(ids.study(), time)
    rows, cols = IMAGE_SIZES[int(rng.integers(len(IMAGE_SIZES)))]
    views = ["PA" if rng.random() < 0.6 else "AP", "LATERAL", "LL"]
    for k in range(n_images):
        study.images.append(Image(ids.dicom(), views[k], rows, cols))
    subject.studies.append(study)
    return study


def random_subject(ids: Ids, rng: np.random.Generator, has_cxr: bool) -> Subject:
    s = Subject(
        ids.subject(),
        "F" if rng.random() < 0.52 else "M",
        int(rng.integers(18, 92)),
        int(rng.integers(2110, 2187)),
    )
    cursor = datetime(s.anchor_year, 1, 1) + timedelta(days=int(rng.integers(0, 365)))
    n_adm = (1 if rng.random() < 0.8 else 0) + int(rng.poisson(0.6))
    icu_p = 0.5 if has_cxr else 0.12
    for _ in range(n_adm):
        cursor += timedelta(days=int(rng.integers(20, 400)), minutes=int(rng.integers(0, 1440)))
        adm = Admission(ids.hadm(), cursor, cursor + timedelta(hours=float(12 + rng.gamma(2.0, 60.0))))
        if rng.random() < 0.7:
            ed = Stay(
                ids.stay(),
                adm.hadm_id,
                cursor - timedelta(minutes=int(rng.integers(90, 600))),
                cursor + timedelta(minutes=int(rng.integers(10, 120))),
            )
            s.ed_stays.append(ed)
            adm.edregtime, adm.edouttime = ed.intime, ed.outtime
        if rng.random() < icu_p:
            start = adm.admittime + timedelta(minutes=int(rng.integers(30, 1440)))
            n_icu = 2 if rng.random() < 0.1 else 1
            for _ in range(n_icu):
                end = start + timedelta(hours=float(8 + rng.gamma(1.6, 40.0)))
                s.icu_stays.append(Stay(ids.stay(), adm.hadm_id, start, end, ICU_UNITS[int(rng.integers(6))]))
                start = end + timedelta(hours=float(rng.integers(6, 48)))
            adm.dischtime = max(adm.dischtime, start + timedelta(hours=float(rng.integers(4, 72))))
        s.admissions.append(adm)
        cursor = adm.dischtime
    for _ in range(int(rng.poisson(0.15)) + (1 if n_adm == 0 and rng.random() < 0.5 else 0)):
        cursor += timedelta(days=int(rng.integers(5, 300)), minutes=int(rng.integers(0, 1440)))
        s.ed_stays.append(
            Stay(ids.stay(), None, cursor, cursor + timedelta(minutes=int(rng.integers(120, 900))))
        )
        cursor = s.ed_stays[-1].outtime
    if has_cxr:
        anchors: list[tuple[datetime, datetime]] = [(e.intime, e.outtime) for e in s.ed_stays]
        anchors += [(a.admittime, a.dischtime) for a in s.admissions]
        first = datetime(s.anchor_year, 1, 1)
        for _ in range(1 + int(rng.poisson(1.8))):
            if anchors and rng.random() < 0.8:
                lo, hi = anchors[int(rng.integers(len(anchors)))]
                t = lo + (hi - lo) * float(rng.uniform(0.05, 0.95))
            else:
                t = first + timedelta(days=float(rng.uniform(0, 3 * 365)))
            t = t.replace(microsecond=0) + _ms(rng)
            add_study(ids, rng, s, t, int(rng.choice([1, 2, 3], p=[0.3, 0.55, 0.15])))
    s.studies.sort(key=lambda st: st.time)
    if rng.random() < 0.1:
        last = max([cursor, *(st.time for st in s.studies)])
        s.dod = (last + timedelta(days=int(rng.integers(0, 400)))).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
    return s


def build_universe(n_subjects: int, seed: int, mimic_iv_version: str) -> Universe:
    rng = stream(seed, "skeleton")
    ids = Ids(rng)
    cases: dict[str, list[str]] = {}
    planted_subjects = plants.plant_all(ids, rng, cases) if n_subjects >= plants.MIN_SUBJECTS else []
    subjects = list(planted_subjects)
    for _ in range(n_subjects - len(planted_subjects)):
        subjects.append(random_subject(ids, rng, bool(rng.random() < CXR_SHARE)))
    subjects.sort(key=lambda s: s.subject_id)
    for s in subjects:
        _whole_seconds(s)
    return Universe(seed, mimic_iv_version, subjects, bool(planted_subjects), cases)


def _whole_seconds(s: Subject) -> None:
    """MIMIC-IV times are whole seconds; truncate here so the skeleton equals what the CSVs say."""
    for a in s.admissions:
        for attr in ("admittime", "dischtime", "deathtime", "edregtime", "edouttime"):
            v = getattr(a, attr)
            if v is not None:
                setattr(a, attr, v.replace(microsecond=0))
    for stay in [*s.icu_stays, *s.ed_stays]:
        stay.intime, stay.outtime = stay.intime.replace(microsecond=0), stay.outtime.replace(microsecond=0)
