"""The HAIM-MIMIC-MM sample class and a safe loader; imports only pandas and numpy.

Copy this one file next to your training code to read the pickles written by `python -m export haim`:

    from haim_patient import load_patient
    patient = load_patient("build/export/haim", haim_id=12)            # or (subject_id, hadm_id, stay_id)
    patient.chartevents.head(); patient.imcxr[0].shape                   # (224, 224) uint8

`load_patient` goes through a restricted unpickler that refuses every global except `Patient_ICU` and the
pandas/numpy/datetime internals a DataFrame needs, so a crafted pickle cannot run code. Plain `pickle.load`
works too (this module must be importable as `haim_patient`).
"""

from __future__ import annotations

import csv
import io
import os
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

# The 29 attributes, in the order of the published HAIM-MIMIC-MM class.
ATTRIBUTES: tuple[str, ...] = (
    "admissions", "demographics", "transfers", "core", "diagnoses_icd", "drgcodes", "emar", "emar_detail",
    "hcpcsevents", "labevents", "microbiologyevents", "poe", "poe_detail", "prescriptions", "procedures_icd",
    "services", "procedureevents", "outputevents", "inputevents", "icustays", "datetimeevents", "chartevents",
    "cxr", "imcxr", "noteevents", "dsnotes", "ecgnotes", "echonotes", "radnotes",
)  # fmt: skip
KEY_FILE = "haim_mimiciv_key_ids.csv"
PER_FOLDER = 1000
IMAGE_SHAPE = (224, 224)


class Patient_ICU:
    """One ICU stay: 28 DataFrames and `imcxr`, a list of 224×224 uint8 arrays aligned with `cxr` rows
    (an entry is None where the image could not be read; the export's errors file says why)."""

    def __init__(self, *args: Any, **kwargs: Any):
        values = dict(zip(ATTRIBUTES, args, strict=False))
        overlap = set(values) & set(kwargs)
        if overlap or set(values) | set(kwargs) != set(ATTRIBUTES):
            raise TypeError(f"Patient_ICU needs exactly the attributes {', '.join(ATTRIBUTES)}")
        values.update(kwargs)
        for name in ATTRIBUTES:  # assignment order = attribute order in __dict__ and in the pickle
            setattr(self, name, values[name])

    # Frames are pickled column by column as plain numpy arrays and rebuilt on load. pandas 2.2 cannot
    # unpickle the datetime blocks pandas 3 writes (a 2-tuple NDArrayBacked state); numpy arrays load in any
    # pandas/numpy 2 combination; rebuilding also keeps strings as object dtype under pandas 3.
    def __getstate__(self) -> dict[str, Any]:
        return {name: _pack(getattr(self, name)) for name in ATTRIBUTES}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in ATTRIBUTES:
            setattr(self, name, _unpack(state[name]))

    def __repr__(self) -> str:
        ids = getattr(self, "icustays", None)
        if isinstance(ids, pd.DataFrame) and len(ids):
            r = ids.iloc[0]
            return f"Patient_ICU(subject_id={r.subject_id}, hadm_id={r.hadm_id}, stay_id={r.stay_id})"
        return "Patient_ICU()"


_FRAME = "__haim_frame__"


def _pack(value: Any) -> Any:
    if not isinstance(value, pd.DataFrame):
        return value
    plain_index = isinstance(value.index, pd.RangeIndex) and value.index.start == 0 and value.index.step == 1
    return {
        _FRAME: 1,
        "columns": [str(c) for c in value.columns],
        "data": [column.to_numpy() for _, column in value.items()],
        "rows": len(value),
        "index": None if plain_index else value.index.to_numpy(),
    }


def _unpack(value: Any) -> Any:
    if not (isinstance(value, dict) and value.get(_FRAME) == 1):
        return value
    index = pd.RangeIndex(value["rows"]) if value["index"] is None else pd.Index(value["index"])
    series = {i: pd.Series(a, index=index, dtype=a.dtype, copy=False) for i, a in enumerate(value["data"])}
    frame = pd.DataFrame(series, index=index, copy=False)
    frame.columns = pd.Index(value["columns"], dtype=object)
    return frame


def sample_path(root: str | os.PathLike[str], haim_id: int) -> Path:
    """`root/pickle/folderNN/{haim_id:08d}.pkl`, 1000 samples per folder."""
    return Path(root) / "pickle" / f"folder{haim_id // PER_FOLDER:02d}" / f"{haim_id:08d}.pkl"


def read_key_ids(root: str | os.PathLike[str]) -> Iterator[tuple[int, int, int, int]]:
    """(haim_id, subject_id, hadm_id, stay_id) rows of the key file."""
    with open(Path(root) / KEY_FILE, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield int(row["haim_id"]), int(row["subject_id"]), int(row["hadm_id"]), int(row["stay_id"])


# Globals a pickled Patient_ICU may name: its own class, and what pandas 2.2/3 and numpy 1.26/2 use to rebuild
# frames, indexes, blocks and arrays. Nothing that reads files, evaluates code or imports modules.
SAFE_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {
        ("haim_patient", "Patient_ICU"),
        ("builtins", "slice"),
        ("builtins", "object"),
        ("builtins", "complex"),
        ("copyreg", "_reconstructor"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "timedelta"),
        ("datetime", "time"),
        ("decimal", "Decimal"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy.core.numeric", "_frombuffer"),
        ("numpy._core.numeric", "_frombuffer"),
        ("pandas", "DataFrame"),
        ("pandas", "Series"),
        ("pandas", "Index"),
        ("pandas", "RangeIndex"),
        ("pandas", "DatetimeIndex"),
        ("pandas", "Timestamp"),
        ("pandas", "Timedelta"),
        ("pandas.arrays", "DatetimeArray"),
        ("pandas.arrays", "TimedeltaArray"),
        ("pandas.core.frame", "DataFrame"),
        ("pandas.core.series", "Series"),
        ("pandas.core.internals.managers", "BlockManager"),
        ("pandas.core.internals.managers", "SingleBlockManager"),
        ("pandas.core.internals.blocks", "new_block"),
        ("pandas._libs.internals", "_unpickle_block"),
        ("pandas.core.indexes.base", "_new_Index"),
        ("pandas.core.indexes.base", "Index"),
        ("pandas.core.indexes.range", "RangeIndex"),
        ("pandas.core.indexes.datetimes", "_new_DatetimeIndex"),
        ("pandas.core.indexes.datetimes", "DatetimeIndex"),
        ("pandas.core.arrays.datetimes", "DatetimeArray"),
        ("pandas.core.arrays.timedeltas", "TimedeltaArray"),
        ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked"),
        ("pandas._libs.tslibs.timestamps", "_unpickle_timestamp"),
        ("pandas._libs.tslibs.timedeltas", "_timedelta_unpickle"),
        ("pandas._libs.tslibs.nattype", "__nat_unpickle"),
        ("pandas._libs.missing", "NA"),
    }
)


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a global outside SAFE_GLOBALS."""


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "__main__" and name == "Patient_ICU":
            return Patient_ICU  # the reference notebook pickled the class from its notebook
        if (module, name) in SAFE_GLOBALS or (module.startswith("numpy.dtypes") and name.endswith("DType")):
            return super().find_class(module, name)
        raise UnsafePickleError(f"refusing to load {module}.{name}: not a Patient_ICU building block")


def safe_load(fh: io.BufferedIOBase | Any) -> Patient_ICU:
    """Unpickle one sample from an open binary file, allowing only the expected classes."""
    obj = SafeUnpickler(fh).load()
    if not isinstance(obj, Patient_ICU):
        raise UnsafePickleError(f"expected a Patient_ICU, got {type(obj).__name__}")
    return obj


def load_patient(
    root: str | os.PathLike[str],
    haim_id: int | None = None,
    ids: tuple[int, int, int] | None = None,
) -> Patient_ICU:
    """Open one sample of an export folder by `haim_id`, or by `ids=(subject_id, hadm_id, stay_id)` through
    the key file; uses the restricted unpickler."""
    if (haim_id is None) == (ids is None):
        raise ValueError("give exactly one of haim_id or ids=(subject_id, hadm_id, stay_id)")
    if haim_id is None:
        wanted = tuple(int(x) for x in ids)  # type: ignore[union-attr]
        haim_id = next((h for h, *rest in read_key_ids(root) if tuple(rest) == wanted), None)
        if haim_id is None:
            raise KeyError(
                f"no sample with (subject_id, hadm_id, stay_id) = {wanted} in {Path(root) / KEY_FILE}"
            )
    with open(sample_path(root, haim_id), "rb") as fh:
        return safe_load(fh)


__all__ = [
    "ATTRIBUTES",
    "IMAGE_SHAPE",
    "KEY_FILE",
    "Patient_ICU",
    "SafeUnpickler",
    "UnsafePickleError",
    "load_patient",
    "read_key_ids",
    "safe_load",
    "sample_path",
]

_ = np  # numpy is imported so that a plain `pickle.load` after `import haim_patient` finds it loaded
