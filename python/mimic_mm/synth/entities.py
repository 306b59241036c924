"""Entity tables written straight from the skeleton: patients, admissions, transfers, icustays, edstays."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa

from mimic_mm.releases import ReleaseTable
from mimic_mm.synth import events as ev
from mimic_mm.synth.events import Frame
from mimic_mm.synth.frames import Frames
from mimic_mm.synth.skeleton import Universe

YEAR_GROUPS = ["2008 - 2010", "2011 - 2013", "2014 - 2016", "2017 - 2019", "2020 - 2022"]

ENTITY_RULES: dict[str, dict[str, ev.Rule]] = {
    "admissions": {
        "admission_type": ev.choice(
            ["EW EMER.", "URGENT", "ELECTIVE", "OBSERVATION ADMIT", "EU OBSERVATION"], p=[5, 2, 1, 1, 1]
        ),
        "admission_location": ev.choice(
            ["EMERGENCY ROOM", "PHYSICIAN REFERRAL", "TRANSFER FROM HOSPITAL"], null=0.01
        ),
        "discharge_location": ev.choice(
            ["HOME", "HOME HEALTH CARE", "SKILLED NURSING FACILITY", "REHAB"], null=0.2
        ),
        "insurance": ev.choice(["Medicare", "Medicaid", "Other"]),
        "language": ev.choice(["ENGLISH", "?"], p=[9, 1]),
        "marital_status": ev.choice(["MARRIED", "SINGLE", "WIDOWED", "DIVORCED"], null=0.1),
        "ethnicity": ev.choice(
            ["WHITE", "BLACK/AFRICAN AMERICAN", "HISPANIC/LATINO", "ASIAN", "OTHER", "UNKNOWN"]
        ),
        "hospital_expire_flag": ev.const(0),
    },
    "edstays": {
        "arrival_transport": ev.choice(["WALK IN", "AMBULANCE", "UNKNOWN", "HELICOPTER"], p=[5, 4, 1, 0.1]),
    },
}


def _ts(values: list[datetime | None]) -> pa.Array:
    return pa.array(
        [np.datetime64(v, "s") if v is not None else None for v in values], type=pa.timestamp("s")
    )


def columns(u: Universe, frames: Frames, rt: ReleaseTable) -> tuple[Frame, dict[str, pa.Array]]:
    """The entity table's frame (one row per entity) and the columns taken from the skeleton; the table's
    rules fill the rest."""
    base: dict[str, pa.Array]
    if rt.table == "patients":
        subs = u.subjects
        base = {
            "subject_id": pa.array([s.subject_id for s in subs]),
            "gender": pa.array([s.gender for s in subs]),
            "anchor_age": pa.array([s.anchor_age for s in subs]),
            "anchor_year": pa.array([s.anchor_year for s in subs]),
            "anchor_year_group": pa.array([YEAR_GROUPS[s.subject_id % len(YEAR_GROUPS)] for s in subs]),
            "dod": pa.array([s.dod.date() if s.dod else None for s in subs], type=pa.date32()),
        }
        frame = frames.subjects
    elif rt.table == "admissions":
        rows = [(s, a) for s in u.subjects for a in s.admissions]
        died = [s.dod is not None and a is s.admissions[-1] and s.dod <= a.dischtime for s, a in rows]
        base = {
            "subject_id": pa.array([s.subject_id for s, _ in rows]),
            "hadm_id": pa.array([a.hadm_id for _, a in rows]),
            "admittime": _ts([a.admittime for _, a in rows]),
            "dischtime": _ts([a.dischtime for _, a in rows]),
            "deathtime": _ts([a.dischtime if d else None for (_, a), d in zip(rows, died, strict=True)]),
            "edregtime": _ts([a.edregtime for _, a in rows]),
            "edouttime": _ts([a.edouttime for _, a in rows]),
            "hospital_expire_flag": pa.array([int(d) for d in died]),
        }
        frame = frames.admissions
    elif rt.table == "icustays":
        f = frames.icustays
        unit = pa.array(f.cols["unit"])
        base = {
            "first_careunit": unit,
            "last_careunit": unit,
            "intime": ev.seconds_to_ts(f.start),
            "outtime": ev.seconds_to_ts(f.end),
            "los": pa.array(np.round((f.end - f.start) / 86400, 6)),
        }
        frame = f
    elif rt.table == "edstays":
        f = frames.edstays
        by_subject = {s.subject_id: s for s in u.subjects}
        admitted = ~f.nulls.get("hadm_id", np.zeros(len(f), bool))
        base = {
            "intime": ev.seconds_to_ts(f.start),
            "outtime": ev.seconds_to_ts(f.end),
            "gender": pa.array([by_subject[int(x)].gender for x in f.cols["subject_id"]]),
            "disposition": pa.array(np.where(admitted, "ADMITTED", "HOME").astype(object)),
        }
        frame = f
    elif rt.table == "transfers":
        f = frames.transfers
        discharge = f.cols["eventtype"] == "discharge"
        base = {
            "transfer_id": pa.array(30_000_000 + np.arange(len(f)) * 7 + (f.cols["subject_id"] % 7)),
            "eventtype": pa.array(f.cols["eventtype"]),
            "careunit": pa.array(f.cols["careunit"], mask=f.nulls.get("careunit")),
            "intime": ev.seconds_to_ts(f.start),
            "outtime": pa.array(f.end.astype("datetime64[s]"), mask=discharge),
        }
        frame = f
    else:
        raise KeyError(f"{rt.release}/{rt.table}: not an entity table")
    return frame, base
