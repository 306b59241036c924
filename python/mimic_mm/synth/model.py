"""The skeleton of the synthetic universe: subjects, admissions, stays and CXR images (small, per entity).

Event tables (chartevents, labevents, ...) are generated later, vectorised, from these entities.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Admission:
    hadm_id: int
    admittime: datetime
    dischtime: datetime
    deathtime: datetime | None = None
    edregtime: datetime | None = None
    edouttime: datetime | None = None


@dataclass
class Stay:
    """An ICU stay (hadm_id set) or an ED stay (hadm_id may be None)."""

    stay_id: int
    hadm_id: int | None
    intime: datetime
    outtime: datetime
    careunit: str = ""


@dataclass
class Image:
    dicom_id: str
    view: str
    rows: int
    columns: int
    cases: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)  # eye-tracking parts planted on this image (see plants)


@dataclass
class Study:
    study_id: int
    time: datetime  # StudyDate + StudyTime, millisecond precision
    images: list[Image] = field(default_factory=list)
    chexpert: bool = True  # False: the study has no CheXpert/NegBio label row


@dataclass
class Subject:
    subject_id: int
    gender: str
    anchor_age: int
    anchor_year: int
    dod: datetime | None = None
    admissions: list[Admission] = field(default_factory=list)
    icu_stays: list[Stay] = field(default_factory=list)
    ed_stays: list[Stay] = field(default_factory=list)
    studies: list[Study] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)  # subject-level planted cases
    in_reflacx: bool = False
    in_eye_gaze: bool = False
    # Planted HAIM series (synth.haim_series.PlantedEvent): they replace every generated chart, lab and
    # procedure event of the subject. None: the subject's events are generated.
    haim_events: list[Any] | None = None
    # Planted radiology notes (synth.haim_notes.PlantedNote): they replace every generated radiology note of
    # the subject. None: the subject's notes are generated.
    radiology_notes: list[Any] | None = None

    @property
    def folder(self) -> str:
        return f"p{str(self.subject_id)[:2]}/p{self.subject_id}"
