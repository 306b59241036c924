"""The HAIM-MIMIC-MM sample class and a safe loader; imports only pandas and numpy.

Copy this one file next to your training code to read the pickles written by `python -m export haim`:

    from mimic_mm.haim_patient import load_patient
    patient = load_patient("build/export/haim", haim_id=12)            # or (subject_id, hadm_id, stay_id)
    patient.chartevents.head(); patient.imcxr[0].shape                   # (224, 224) uint8

`load_patient` goes through a restricted unpickler that refuses every global except the public pandas, numpy
and stdlib constructors the export writes, so a crafted pickle cannot run code. Plain `pickle.load` works
too, without this module: it gives a `types.SimpleNamespace` with the same 29 attributes.
"""

from __future__ import annotations

import csv
import io
import os
import pickle
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


class Patient_ICU(types.SimpleNamespace):
    """One ICU stay: 28 DataFrames and `imcxr`, a list of 224×224 uint8 arrays aligned with `cxr` rows
    (an entry is None where the image could not be read; the export's errors file says why).

    On disk a sample is a plain `types.SimpleNamespace` with the same attributes in the same order, so that
    `pickle.load` needs neither this module nor HAIM's; `safe_load` turns it back into a Patient_ICU."""

    def __init__(self, *args: Any, **kwargs: Any):
        values = dict(zip(ATTRIBUTES, args, strict=False))
        overlap = set(values) & set(kwargs)
        if overlap or len(args) > len(ATTRIBUTES) or set(values) | set(kwargs) != set(ATTRIBUTES):
            raise TypeError(f"Patient_ICU needs exactly the attributes {', '.join(ATTRIBUTES)}")
        values.update(kwargs)
        super().__init__()
        for name in ATTRIBUTES:  # assignment order = attribute order in __dict__ and in the pickle
            setattr(self, name, values[name])

    def __reduce__(self) -> tuple:
        # Pickled as the stdlib type, so loading never needs this module.
        return (types.SimpleNamespace, (), {name: getattr(self, name) for name in ATTRIBUTES})

    def __repr__(self) -> str:
        ids = getattr(self, "icustays", None)
        if isinstance(ids, pd.DataFrame) and len(ids):
            r = ids.iloc[0]
            return f"Patient_ICU(subject_id={r.subject_id}, hadm_id={r.hadm_id}, stay_id={r.stay_id})"
        return "Patient_ICU()"


def sample_path(root: str | os.PathLike[str], haim_id: int) -> Path:
    """`root/pickle/folderNN/{haim_id:08d}.pkl`, 1000 samples per folder."""
    return Path(root) / "pickle" / f"folder{haim_id // PER_FOLDER:02d}" / f"{haim_id:08d}.pkl"


def read_key_ids(root: str | os.PathLike[str]) -> Iterator[tuple[int, int, int, int]]:
    """(haim_id, subject_id, hadm_id, stay_id) rows of the key file."""
    with open(Path(root) / KEY_FILE, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            yield int(row["haim_id"]), int(row["subject_id"]), int(row["hadm_id"]), int(row["stay_id"])


# The globals the export's pickles name (see the README, "Loading"): public constructors that exist under
# these names in numpy 1.x/2.x and pandas 1.x/2.x/3.x, and stdlib value types. None of them reads files,
# evaluates code or imports modules.
SAFE_GLOBALS: frozenset[tuple[str, str]] = frozenset(
    {
        ("types", "SimpleNamespace"),
        ("pandas", "DataFrame"),
        ("pandas", "Series"),
        ("numpy", "ndarray"),
        ("numpy", "array"),
        ("builtins", "bytearray"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "time"),
        ("datetime", "timedelta"),
        ("decimal", "Decimal"),
    }
)
# Names only pickles of the earlier export format (or the reference notebook's) use.
OLD_FORMAT_GLOBALS = {("haim_patient", "Patient_ICU"), ("__main__", "Patient_ICU")}


class UnsafePickleError(pickle.UnpicklingError):
    """The pickle names a global outside SAFE_GLOBALS."""


class SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in SAFE_GLOBALS:
            return super().find_class(module, name)
        if (module, name) in OLD_FORMAT_GLOBALS:
            raise UnsafePickleError(
                f"this pickle names {module}.{name}: it was written by an earlier export format (or by the "
                "HAIM notebook), which this loader does not read; re-export with "
                "`python -m export haim --force`"
            )
        raise UnsafePickleError(f"refusing to load {module}.{name}: not a Patient_ICU building block")


def as_patient(obj: Any) -> Patient_ICU:
    """A loaded sample (the `types.SimpleNamespace` plain `pickle.load` gives) as a Patient_ICU, checking that
    it holds exactly the 29 attributes in order."""
    if isinstance(obj, Patient_ICU):
        return obj
    if not isinstance(obj, types.SimpleNamespace):
        raise UnsafePickleError(f"expected a Patient_ICU sample, got {type(obj).__name__}")
    names = tuple(vars(obj))
    if names != ATTRIBUTES:
        raise UnsafePickleError(f"the sample's attributes {names} are not the 29 Patient_ICU attributes")
    return Patient_ICU(**vars(obj))


def safe_load(fh: io.BufferedIOBase | Any) -> Patient_ICU:
    """Unpickle one sample from an open binary file, allowing only the expected classes."""
    return as_patient(SafeUnpickler(fh).load())


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
    "as_patient",
    "load_patient",
    "read_key_ids",
    "safe_load",
    "sample_path",
]
