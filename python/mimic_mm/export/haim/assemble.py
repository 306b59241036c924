"""Build the Patient_ICU objects of one subject's stays from that subject's rows of every relation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from mimic_mm.export import relations
from mimic_mm.export.haim.frames import portable, take_rows
from mimic_mm.export.haim.images import load_image
from mimic_mm.export.haim.spec import CXR_PRIVATE, Attribute, attributes
from mimic_mm.haim_patient import Patient_ICU

# The relations a stay's own rows come from (its admission and ICU stay) and the CXR mart.
ADMISSIONS, ICUSTAYS, CXR = relations.ADMISSIONS, relations.ICUSTAYS, relations.HAIM_CXR


@dataclass(frozen=True)
class Window:
    """--start-hour/--end-hour: keep timed rows within [admittime + start, admittime + end]."""

    start_hour: float | None = None
    end_hour: float | None = None

    @property
    def active(self) -> bool:
        return self.start_hour is not None or self.end_hour is not None


@dataclass
class Stay:
    haim_id: int
    subject_id: int
    hadm_id: int
    stay_id: int


@dataclass
class Built:
    stay: Stay
    patient: Patient_ICU
    rows: dict[str, int]
    images: int
    errors: list[tuple[str, str]] = field(default_factory=list)  # (dicom_id or "", problem)


class Keys:
    """A subject frame's hadm_id, stay_id and time columns as numpy arrays, computed once per subject (NULL
    ids are NaN and NULL times NaT, which compare false)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        self._cache: dict[str, np.ndarray] = {}

    def ids(self, column: str) -> np.ndarray:
        if column not in self._cache:
            self._cache[column] = self.frame[column].to_numpy(dtype="float64", na_value=np.nan)
        return self._cache[column]

    def times(self, column: str) -> np.ndarray:
        key = "t:" + column
        if key not in self._cache:
            s = self.frame[column]
            if not pd.api.types.is_datetime64_any_dtype(s):
                s = pd.to_datetime(s, errors="coerce")
            self._cache[key] = s.to_numpy(dtype="datetime64[ns]")
        return self._cache[key]


def _select(keys: Keys, attr: Attribute, stay: Stay, bounds: tuple | None, icu: tuple | None) -> np.ndarray:
    """Boolean mask of the frame's rows that belong to the stay under the attribute's level and the window."""
    mask = np.ones(len(keys.frame), dtype=bool)
    if attr.level in ("hadm", "stay_time"):
        mask &= keys.ids("hadm_id") == stay.hadm_id
    if attr.level == "stay":
        mask &= keys.ids("stay_id") == stay.stay_id
    if attr.level == "stay_time":
        if icu is None:
            mask[:] = False
        else:
            t = keys.times(attr.time)
            mask &= (t >= icu[0]) & (t <= icu[1])
    if bounds is not None and attr.time:
        t = keys.times(attr.time)
        lo, hi = bounds
        mask &= ~np.isnat(t)
        if lo is not None:
            mask &= t >= lo
        if hi is not None:
            mask &= t <= hi
    return mask


def hours_since(times: pd.Series, start: object) -> np.ndarray:
    """Float hours from `start` to each time (seconds / 3600, unrounded, as the reference); NaT or no start
    give NaN."""
    if start is None or pd.isna(start):
        return np.full(len(times), np.nan)
    if not pd.api.types.is_datetime64_any_dtype(times):
        times = pd.to_datetime(times)
    return ((times - pd.Timestamp(start)).dt.total_seconds() / 3600).to_numpy(dtype="float64")


def with_derived(frame: pd.DataFrame, attr: Attribute, stay: Stay, admittime: object) -> pd.DataFrame:
    """The frame with the attribute's derived columns appended after the reference's columns, then the
    project's own columns (attributes.tsv: derived, project)."""
    if not attr.derived and not attr.project:
        return frame
    out = frame.copy(deep=False)  # new columns only: the subject's shared frame stays untouched
    for name in attr.derived:
        if name == "deltacharttime":
            out[name] = hours_since(frame["charttime"], admittime)
        elif attr.level == "stay_time":  # stay_id of notes linked to the sample's stay
            out[name] = np.full(len(frame), stay.stay_id, dtype="int64")
        else:
            out[name] = np.full(len(frame), np.nan)
    reference = [c for c in frame.columns if c not in attr.project]
    return out[[*reference, *attr.derived, *(c for c in attr.project if c in frame.columns)]]


def with_codes(core: pd.DataFrame, codes: Keys, stay: Stay) -> pd.DataFrame:
    """core with the admission's columns of the codes relation that core lacks (HAIM's *_int demographic
    codes) appended; -1 (the code of NULL) when the admission has no codes row."""
    row = take_rows(codes.frame, codes.ids("hadm_id") == stay.hadm_id)
    out = core.copy(deep=False)
    for name in (c for c in codes.frame.columns if c not in core.columns):
        value = int(row[name].iloc[0]) if len(row) and pd.notna(row[name].iloc[0]) else -1
        out[name] = np.full(len(core), value, dtype="int64")
    return out


def _ns(value: object) -> np.datetime64 | None:
    return None if value is None or pd.isna(value) else np.datetime64(pd.Timestamp(value).as_unit("ns"))


class SubjectAssembler:
    """Turns one subject's frames (relation → DataFrame, ordered) into its stays' Patient_ICU objects; images
    are decoded once per subject and shared by every stay."""

    def __init__(
        self, window: Window, images: bool, empty: dict[str, pd.DataFrame], fast_images: bool = False
    ):
        self.window = window
        self.images = images
        self.fast_images = fast_images  # PIL draft decode instead of HAIM's OpenCV one (--fast-images)
        self.attrs = attributes()
        self.empty = empty  # relation → empty frame with its columns (for kind=empty attributes)

    def build(self, frames: dict[str, pd.DataFrame], stays: list[Stay]) -> Iterator[Built]:
        cxr = frames[CXR]
        decoded: list[np.ndarray | None] = []
        image_errors: dict[int, tuple[str, str]] = {}
        if self.images:
            for pos, (dicom_id, path) in enumerate(zip(cxr["dicom_id"], cxr["jpg_path"], strict=True)):
                arr, problem = load_image(path, fast=self.fast_images)
                decoded.append(arr)
                if problem:
                    image_errors[pos] = (str(dicom_id), problem)
        keys = {rel: Keys(frame) for rel, frame in frames.items()}
        for stay in stays:
            yield self._stay(keys, stay, decoded, image_errors)

    def _bounds(self, admission: pd.DataFrame) -> tuple | None:
        if not self.window.active:
            return None
        if admission.empty or pd.isna(admission["admittime"].iloc[0]):
            return (np.datetime64("NaT"), np.datetime64("NaT"))  # no admission time: no row is in the window
        admit = admission["admittime"].iloc[0]
        hours = [self.window.start_hour, self.window.end_hour]
        return tuple(None if h is None else _ns(admit + pd.Timedelta(hours=h)) for h in hours)

    def _stay(
        self,
        keys: dict[str, Keys],
        stay: Stay,
        decoded: list[np.ndarray | None],
        image_errors: dict[int, tuple[str, str]],
    ) -> Built:
        adm = keys[ADMISSIONS]
        admission = take_rows(adm.frame, adm.ids("hadm_id") == stay.hadm_id)
        icu_keys = keys[ICUSTAYS]
        icu_rows = take_rows(icu_keys.frame, icu_keys.ids("stay_id") == stay.stay_id)
        icu = (_ns(icu_rows["intime"].iloc[0]), _ns(icu_rows["outtime"].iloc[0])) if len(icu_rows) else None
        bounds = self._bounds(admission)
        admittime = None if admission.empty else admission["admittime"].iloc[0]
        values: dict[str, Any] = {}
        errors: list[tuple[str, str]] = []
        if admission.empty:
            errors.append(("", "admission row missing"))
        cxr_positions = np.arange(0)
        for attr in self.attrs:
            if attr.kind == "table":
                parts = []
                for rel in attr.relations:
                    mask = _select(keys[rel], attr, stay, bounds, icu)
                    if rel == CXR:
                        cxr_positions = np.flatnonzero(mask)
                    parts.append(take_rows(keys[rel].frame, mask))
                out = parts[0] if len(parts) == 1 else portable(pd.concat(parts, ignore_index=True))
                if CXR in attr.relations:
                    out = out.drop(columns=[c for c in CXR_PRIVATE if c in out.columns])
                values[attr.name] = with_derived(out, attr, stay, admittime)
            elif attr.kind == "empty":
                values[attr.name] = with_derived(self.empty[attr.relations[0]], attr, stay, admittime)
        for attr in self.attrs:
            if attr.kind == "core":
                core = values["admissions"].merge(values["demographics"], how="left")
                core = portable(core.merge(values["transfers"], how="left"))
                values[attr.name] = with_codes(core, keys[attr.relations[0]], stay)
            elif attr.kind == "images":
                values[attr.name] = [decoded[p] for p in cxr_positions] if self.images else []
        errors += [image_errors[int(p)] for p in cxr_positions if int(p) in image_errors]
        rows = {a.name: len(values[a.name]) for a in self.attrs}
        images = sum(1 for x in values["imcxr"] if x is not None)
        return Built(stay, Patient_ICU(**values), rows, images, errors)
