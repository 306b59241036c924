"""Column arrays of the universe's entities (the parents of every event table, and the entity tables)."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from mimic_mm.synth.events import Frame
from mimic_mm.synth.skeleton import Universe

EPOCH = datetime(1970, 1, 1)


def sec(t: datetime) -> int:
    return int((t - EPOCH).total_seconds())


@dataclass
class Frames:
    subjects: Frame
    admissions: Frame
    icustays: Frame
    edstays: Frame
    transfers: Frame
    subject_chunks: list[
        tuple[int, int]
    ]  # subject_id ranges [lo, hi) holding about equal numbers of subjects

    def by_name(self, name: str) -> Frame:
        return getattr(self, name)


def _frame(rows: Sequence[Mapping[str, object]], keys: list[str], start: str, end: str) -> Frame:
    cols: dict[str, np.ndarray] = {}
    nulls: dict[str, np.ndarray] = {}
    for k in keys:
        vals = [r[k] for r in rows]
        if any(v is None for v in vals):
            nulls[k] = np.array([v is None for v in vals], dtype=bool)
            vals = [0 if v is None else v for v in vals]
        cols[k] = np.array(vals, dtype=np.int64 if k.endswith("_id") else object)
    to_sec = np.array([sec(r[start]) for r in rows], dtype=np.int64)  # type: ignore[arg-type]
    end_sec = np.array([sec(r[end]) if r[end] is not None else sec(r[start]) for r in rows], dtype=np.int64)  # type: ignore[arg-type]
    return Frame(cols, to_sec.reshape(-1), end_sec.reshape(-1), nulls)


def build_frames(u: Universe, chunk_subjects: int = 400) -> Frames:
    subj, adm, icu, ed, tr = [], [], [], [], []
    for s in u.subjects:
        times = (
            [a.admittime for a in s.admissions]
            + [e.intime for e in s.ed_stays]
            + [st.time for st in s.studies]
        )
        ends = (
            [a.dischtime for a in s.admissions]
            + [e.outtime for e in s.ed_stays]
            + [st.time for st in s.studies]
        )
        first = min(times, default=datetime(s.anchor_year, 1, 1))
        last = max(ends, default=first)
        subj.append({"subject_id": s.subject_id, "start": first, "end": max(last, first)})
        for a in s.admissions:
            adm.append(
                {"subject_id": s.subject_id, "hadm_id": a.hadm_id, "start": a.admittime, "end": a.dischtime}
            )
            tr.extend(_transfers(s.subject_id, a, [i for i in s.icu_stays if i.hadm_id == a.hadm_id]))
        for i in s.icu_stays:
            icu.append(
                {
                    "subject_id": s.subject_id,
                    "hadm_id": i.hadm_id,
                    "stay_id": i.stay_id,
                    "start": i.intime,
                    "end": i.outtime,
                    "unit": i.careunit,
                }
            )
        for e in s.ed_stays:
            ed.append(
                {
                    "subject_id": s.subject_id,
                    "hadm_id": e.hadm_id,
                    "stay_id": e.stay_id,
                    "start": e.intime,
                    "end": e.outtime,
                }
            )
            if e.hadm_id is None:
                tr.append(
                    {
                        "subject_id": s.subject_id,
                        "hadm_id": None,
                        "eventtype": "ED",
                        "careunit": "Emergency Department",
                        "start": e.intime,
                        "end": e.outtime,
                    }
                )
    tr.sort(key=lambda r: (r["subject_id"], r["start"]))
    ids = [s.subject_id for s in u.subjects]
    bounds = [*ids[::chunk_subjects], ids[-1] + 1] if ids else [0, 1]
    frames = Frames(
        _frame(subj, ["subject_id"], "start", "end"),
        _frame(adm, ["subject_id", "hadm_id"], "start", "end"),
        _frame(icu, ["subject_id", "hadm_id", "stay_id", "unit"], "start", "end"),
        _frame(ed, ["subject_id", "hadm_id", "stay_id"], "start", "end"),
        _frame(tr, ["subject_id", "hadm_id", "eventtype", "careunit"], "start", "end"),
        list(itertools.pairwise(bounds)),
    )
    # Discharge events have no outtime: the frame keeps start there, the writer nulls it by eventtype.
    return frames


def _transfers(subject_id: int, a, icus) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    rows: list[dict[str, object]] = []

    def add(eventtype: str, unit: str | None, start: datetime, end: datetime | None) -> None:
        rows.append(
            {
                "subject_id": subject_id,
                "hadm_id": a.hadm_id,
                "eventtype": eventtype,
                "careunit": unit,
                "start": start,
                "end": end,
            }
        )

    if a.edregtime is not None:
        add("ED", "Emergency Department", a.edregtime, a.admittime)
    cursor, kind = a.admittime, "admit"
    for i in sorted(icus, key=lambda x: x.intime):
        if i.intime > cursor:
            add(kind, "Medicine", cursor, i.intime)
            kind = "transfer"
        add(kind, i.careunit, i.intime, i.outtime)
        cursor, kind = i.outtime, "transfer"
    if a.dischtime > cursor:
        add(kind, "Medicine", cursor, a.dischtime)
    add("discharge", None, a.dischtime, None)
    return rows
