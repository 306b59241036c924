"""Identifier allocation in the real ranges, unique across the whole universe."""

from __future__ import annotations

import numpy as np

SUBJECT_RANGE = (10_000_000, 19_999_999)
HADM_RANGE = (20_000_000, 29_999_999)
STAY_RANGE = (30_000_000, 39_999_999)  # ICU and ED stay_ids share the range in MIMIC-IV, so one pool
STUDY_RANGE = (50_000_000, 59_999_999)


class Ids:
    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self._used: dict[str, set[int]] = {}
        self._dicom_tails: set[str] = set()

    def draw(self, kind: str, lo_hi: tuple[int, int]) -> int:
        used = self._used.setdefault(kind, set())
        while True:
            v = int(self.rng.integers(lo_hi[0], lo_hi[1] + 1))
            if v not in used:
                used.add(v)
                return v

    def subject(self) -> int:
        return self.draw("subject", SUBJECT_RANGE)

    def hadm(self) -> int:
        return self.draw("hadm", HADM_RANGE)

    def stay(self) -> int:
        return self.draw("stay", STAY_RANGE)

    def study(self) -> int:
        return self.draw("study", STUDY_RANGE)

    def _group(self) -> str:
        return f"{int(self.rng.integers(0, 2**32)):08x}"

    def dicom(self, prefix: str | None = None) -> str:
        """A 44-character dicom_id. The last group is unique: images encode it in their pixels.

        `prefix` (the first four groups) lets a planted case share 35 characters with another image.
        """
        while True:
            tail = self._group()
            if tail not in self._dicom_tails:
                self._dicom_tails.add(tail)
                break
        head = prefix if prefix is not None else "-".join(self._group() for _ in range(4))
        return f"{head}-{tail}"
