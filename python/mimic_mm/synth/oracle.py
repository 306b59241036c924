"""The linkage rules in plain Python: the test oracle, independent of any SQL.

Every function takes plain values (as read back from the CSV files), so tests can recompute the ground truth
from the written releases and compare it with `ground_truth.json`.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from mimic_mm.releases import REFLACX_MERGES, REFLACX_TARGETS

# The 21 merged REFLACX labels (SPEC.md, in the catalogue) and, per target, the source labels merged into it.
TARGET_LABELS = list(REFLACX_TARGETS)
MERGED_FROM: dict[str, list[str]] = {}
for _source, _target in REFLACX_MERGES.items():
    MERGED_FROM.setdefault(_target, [_target]).insert(-1, _source)
BOOLEAN_LABELS = ("Support devices", "Quality issue")
TEXT_LABELS = ("Other",)


def study_time_text(t: datetime) -> str:
    """StudyTime as MIMIC-CXR writes it: a float HHMMSS.fff without leading zeros (`80556.875`, `703.0`)."""
    hhmmss = t.hour * 10000 + t.minute * 100 + t.second
    return repr(float(f"{hhmmss}.{t.microsecond // 1000:03d}"))


def image_time(study_date: str, study_time: str) -> datetime:
    """StudyDate + StudyTime with the integer part zero-padded to 6 digits and the fraction kept."""
    whole, _, frac = study_time.partition(".")
    hms = whole.zfill(6)
    micro = int((frac + "000000")[:6]) if frac else 0
    return datetime.strptime(study_date + hms, "%Y%m%d%H%M%S").replace(microsecond=micro)


@dataclass(frozen=True)
class Interval:
    ident: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class EdMatch:
    stay_id: int | None
    match: str  # within | window | ambiguous | none
    candidates: int
    distance_hours: float | None


def ed_match(t: datetime, stays: Iterable[Interval], window_hours: float) -> EdMatch:
    """ED stay of an image: one strict within match wins; several are ambiguous; else the nearest window."""
    stays = list(stays)
    within = [s for s in stays if s.start < t < s.end]
    if len(within) == 1:
        return EdMatch(within[0].ident, "within", 1, 0.0)
    if len(within) > 1:
        return EdMatch(None, "ambiguous", len(within), 0.0)
    if window_hours > 0:
        w = timedelta(hours=window_hours)
        near = [s for s in stays if s.start - w <= t <= s.end + w]
        if near:

            def distance(s: Interval) -> float:
                gap = max(s.start - t, t - s.end, timedelta(0))
                return gap.total_seconds() / 3600

            best = min(near, key=lambda s: (distance(s), s.start, s.ident))
            return EdMatch(best.ident, "window", len(near), distance(best))
    return EdMatch(None, "none", 0, None)


def interval_id(t: datetime, intervals: Iterable[Interval]) -> int | None:
    """The one interval with start <= t <= end (hospital admission, ICU stay); several or none -> None."""
    hits = [i.ident for i in intervals if i.start <= t <= i.end]
    return hits[0] if len(hits) == 1 else None


def merge_reflacx(row: dict[str, str]) -> dict[str, int | bool | str | None]:
    """The 21 merged labels of one REFLACX metadata row (raw CSV strings of that phase's columns)."""
    out: dict[str, int | bool | str | None] = {}
    for target in TARGET_LABELS:
        sources = [c for c in MERGED_FROM.get(target, [target]) if c in row]
        if target in BOOLEAN_LABELS:
            out[target] = any(row[c] == "True" for c in sources)
        elif target in TEXT_LABELS:
            out[target] = row.get(target) or None
        else:
            out[target] = max((int(row[c]) for c in sources if row[c] != ""), default=0)
    return out


def dicom_repairs(
    file: str, rows: Iterable[tuple[int, int, str]], valid: Sequence[str], master: set[str]
) -> list[dict[str, object]]:
    """Repairs of one EyeGaze file's DICOM_IDs; `rows` are (SESSION_ID, MEDIA_ID, DICOM_ID) per line,
    `valid` the sorted CXR-JPG dicom_ids, `master` the master-sheet dicom_ids."""
    counts = Counter(rows)
    present = set(counts)
    valid_set = set(valid)
    out = []
    for (session, media, original), n in sorted(counts.items()):
        if original in valid_set:
            continue
        repaired: str | None = None
        if original.endswith("_calibration"):
            action = "calibration"
        else:
            lo = bisect.bisect_left(valid, original)
            candidates = []
            while lo < len(valid) and valid[lo].startswith(original):
                candidates.append(valid[lo])
                lo += 1
            preferred = [c for c in candidates if c in master]
            if len(preferred) == 1:
                repaired = preferred[0]
            elif not preferred and len(candidates) == 1:
                repaired = candidates[0]
            if repaired is None:
                action = "unresolved"
            elif (session, media, repaired) in present:
                action = "deleted"
            else:
                action = "relabelled"
        out.append(
            {
                "file": file,
                "session_id": session,
                "media_id": media,
                "original_id": original,
                "repaired_id": repaired,
                "action": action,
                "rows": n,
            }
        )
    return out
