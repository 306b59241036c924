"""What a MEDS export looks like: its files, their Arrow schemas, the subject splits and the shard plan.

The schemas are MEDS 0.4's (`meds.DataSchema`, `meds.CodeMetadataSchema`, `meds.SubjectSplitSchema`) written
out here so that the export needs only pyarrow; the tests check them against the `meds` package itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from mimic_mm.export import relations

EVENTS = relations.MEDS_EVENTS
CODES = relations.MEDS_CODES
MEDS_VERSION = "0.4.1"  # the MEDS schema version these files follow
DEFAULT_SUBJECTS_PER_SHARD = 1000
MANIFEST = ".meds_export.json"
DATA = "data"
CODES_FILE = "metadata/codes.parquet"
DATASET_FILE = "metadata/dataset.json"
SPLITS_FILE = "metadata/subject_splits.parquet"
# The official ETL's 80/10/10 split; a subject's split is a pure function of its id (see split_of).
SPLITS = (("train", 0.8), ("tuning", 0.1), ("held_out", 0.1))
SPLIT_SALT = b"mimic-mm-meds-split:"

# Linking columns beyond MEDS's five: identifiers into the source releases, and the image path (a value
# modality: the event's value is the image).
ID_COLUMNS = ("hadm_id", "stay_id", "ed_stay_id", "note_id", "dicom_id", "study_id")
VALUE_MODALITY_COLUMNS = ("image_path",)

DATA_SCHEMA = pa.schema(
    [
        pa.field("subject_id", pa.int64(), nullable=False),
        pa.field("time", pa.timestamp("us")),
        pa.field("code", pa.string(), nullable=False),
        pa.field("numeric_value", pa.float32()),
        pa.field("text_value", pa.large_string()),
        pa.field("hadm_id", pa.int64()),
        pa.field("stay_id", pa.int64()),
        pa.field("ed_stay_id", pa.int64()),
        pa.field("note_id", pa.string()),
        pa.field("image_path", pa.string()),
        pa.field("dicom_id", pa.string()),
        pa.field("study_id", pa.int64()),
    ]
)
CODES_SCHEMA = pa.schema(
    [
        pa.field("code", pa.string(), nullable=False),
        pa.field("description", pa.string()),
        pa.field("parent_codes", pa.list_(pa.string())),
    ]
)
SPLITS_SCHEMA = pa.schema(
    [pa.field("subject_id", pa.int64(), nullable=False), pa.field("split", pa.string(), nullable=False)]
)
# Row order inside a shard: subject, then time with static (NULL-time) rows first, then the rest for a
# deterministic file.
ORDER = (
    "subject_id, time nulls first, code, numeric_value nulls first, text_value nulls first, "
    "hadm_id nulls first, "
    "stay_id nulls first, ed_stay_id nulls first, note_id nulls first, dicom_id nulls first"
)


def split_of(subject_id: int) -> str:
    """The subject's split: a SHA-256 of its id mapped to [0, 1) and cut at 0.8 and 0.9. Stable across runs,
    machines and releases (a subject keeps its split when others are added)."""
    digest = hashlib.sha256(SPLIT_SALT + str(int(subject_id)).encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    edge = 0.0
    for name, share in SPLITS:
        edge += share
        if u < edge:
            return name
    return SPLITS[-1][0]


@dataclass(frozen=True)
class Shard:
    split: str
    index: int
    subjects: tuple[int, ...]

    @property
    def path(self) -> str:
        """The shard's file relative to the dataset root."""
        return f"{DATA}/{self.split}/{self.index}.parquet"


def plan_shards(subject_ids: Iterable[int], per_shard: int) -> list[Shard]:
    """Subjects by split, each split's subjects in id order cut into shards of `per_shard`."""
    if per_shard < 1:
        raise ValueError("--subjects-per-shard must be ≥ 1")
    by_split: dict[str, list[int]] = {name: [] for name, _ in SPLITS}
    for sid in sorted(set(int(s) for s in subject_ids)):
        by_split[split_of(sid)].append(sid)
    shards = []
    for name, _ in SPLITS:
        ids = by_split[name]
        for index, start in enumerate(range(0, len(ids), per_shard)):
            shards.append(Shard(name, index, tuple(ids[start : start + per_shard])))
    return shards


def data_columns() -> list[str]:
    return [f.name for f in DATA_SCHEMA]
