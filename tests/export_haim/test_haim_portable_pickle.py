"""The pickle format: the globals it names, protocol, byte identity, round trip, restricted loader."""

from __future__ import annotations

import datetime
import io
import pickle
import pickletools
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from mimic_mm.export.haim.portable_pickle import dumps
from mimic_mm.haim_patient import ATTRIBUTES, SAFE_GLOBALS, Patient_ICU, UnsafePickleError, safe_load

FORBIDDEN_PREFIXES = (
    "numpy._core",
    "numpy.core",
    "pandas.core",
    "pandas._libs",
    "mimic_mm",
    "haim_patient",
    "export",
    "__main__",
)


class RecordingUnpickler(pickle.Unpickler):
    """Loads like plain pickle, recording every global the stream asks for (the exact names pickled)."""

    def __init__(self, data: bytes):
        super().__init__(io.BytesIO(data))
        self.names: set[tuple[str, str]] = set()

    def find_class(self, module: str, name: str):
        self.names.add((module, name))
        return super().find_class(module, name)


def frame(n: int, salt: str = "") -> pd.DataFrame:
    """Every kind of column the exporter writes, with NULLs; strings rebuilt from pieces each call so that
    equal values are distinct Python objects."""
    words = ["Heart Rate", "mmHg", "", "x"]
    text = np.array(
        [None if i % 5 == 0 else "".join(list(words[i % 4])) + salt for i in range(n)], dtype=object
    )
    times = np.array(["2180-01-01T10:00", "NaT", "2180-01-02T11:30:15.5"] * n, dtype="datetime64[ns]")[:n]
    df = pd.DataFrame(
        {
            "subject_id": pd.Series(np.arange(n, dtype="int64")),
            "valuenum": pd.Series(np.where(np.arange(n) % 3 == 0, np.nan, np.arange(n) / 7.0)),
            "label": pd.Series(text, dtype=object),
            "charttime": pd.Series(times),
            "chartdate": pd.Series(
                [datetime.date(2180, 1, 1 + i % 20) if i % 4 else None for i in range(n)], dtype=object
            ),
            "StudyTimeForm": pd.Series([datetime.time(10, 1, 2, 500) for _ in range(n)], dtype=object),
            "amount": pd.Series([Decimal("1.25")] * n, dtype=object),
            "flag": pd.Series(np.arange(n) % 2 == 0),
            "maybe": pd.Series([True, None, False][: min(n, 3)] + [True] * max(0, n - 3), dtype=object),
            "us_time": pd.Series(np.array(["2180-01-01T10:00"] * n, dtype="datetime64[us]")),
        }
    )
    return df


def patient(n: int = 7, salt: str = "") -> Patient_ICU:
    values: dict = {a: frame(n + i, salt) for i, a in enumerate(ATTRIBUTES) if a != "imcxr"}
    values["ecgnotes"] = frame(0)
    values["imcxr"] = [np.arange(224 * 224, dtype=np.uint8).reshape(224, 224), None]
    return Patient_ICU(**values)


def test_globals_are_public_constructors_only() -> None:
    data = dumps(patient())
    proto = next(pickletools.genops(data))
    assert proto[0].name == "PROTO" and proto[1] <= 4
    rec = RecordingUnpickler(data)
    rec.load()
    assert rec.names <= SAFE_GLOBALS
    assert {("types", "SimpleNamespace"), ("pandas", "DataFrame"), ("pandas", "Series"), ("numpy", "ndarray"),
            ("numpy", "array")} <= rec.names  # fmt: skip
    assert not any(m.startswith(FORBIDDEN_PREFIXES) for m, _ in rec.names)
    # nothing private anywhere in the stream, not even as a string
    for op, arg, _ in pickletools.genops(data):
        if isinstance(arg, str):
            assert not arg.startswith(FORBIDDEN_PREFIXES), (op.name, arg)


def test_round_trip_keeps_values_dtypes_and_order() -> None:
    p = patient()
    loaded = pickle.loads(dumps(p))
    assert type(loaded).__module__ == "types" and list(vars(loaded)) == list(ATTRIBUTES)
    for attr in ATTRIBUTES:
        if attr == "imcxr":
            continue
        want = getattr(p, attr).copy()
        want["us_time"] = want["us_time"].astype("datetime64[ns]")  # written in ns: pandas < 2 has only ns
        got = getattr(loaded, attr)
        assert list(got.columns) == list(want.columns)
        assert got["label"].dtype == object and got["charttime"].dtype == "datetime64[ns]"
        pd.testing.assert_frame_equal(got, want, check_column_type=False, obj=attr)
    assert np.array_equal(loaded.imcxr[0], p.imcxr[0]) and loaded.imcxr[0].dtype == np.uint8
    assert loaded.imcxr[1] is None
    loaded.imcxr[0][0, 0] = 7  # arrays come back writable
    loaded.chartevents.loc[0, "valuenum"] = 1.0


def test_identical_values_give_identical_bytes() -> None:
    a, b = dumps(patient()), dumps(patient())
    assert a == b
    # the same values held by other Python objects (e.g. another batch split) still give the same bytes
    p = patient()
    p.labevents = pd.concat([p.labevents.iloc[:3], p.labevents.iloc[3:].copy(deep=True)], ignore_index=True)
    p.labevents["label"] = pd.Series(
        [None if v is None else str(v)[:] + "" for v in p.labevents["label"]], dtype=object
    )
    assert dumps(p) == a
    assert dumps(patient(salt="!")) != a


def test_safe_loader_accepts_new_format_and_refuses_old() -> None:
    p = safe_load(io.BytesIO(dumps(patient())))
    assert isinstance(p, Patient_ICU) and list(vars(p)) == list(ATTRIBUTES)
    # a pickle of the previous format named the project's class: refused with a clear message
    old = pickle.dumps(patient())  # plain pickle: pandas internals
    with pytest.raises(UnsafePickleError, match="refusing to load pandas"):
        safe_load(io.BytesIO(old))

    # the previous format's first global: the project's class (GLOBAL opcode, as pickle writes it)
    legacy = b"\x80\x04chaim_patient\nPatient_ICU\n)\x81."
    with pytest.raises(UnsafePickleError, match="earlier export format"):
        safe_load(io.BytesIO(legacy))


def test_unsupported_values_are_refused() -> None:
    p = patient()
    p.chartevents = pd.DataFrame({"t": pd.Series([pd.Timestamp("2180-01-01")], dtype=object)})
    with pytest.raises(pickle.PicklingError, match="Timestamp"):
        dumps(p)
    p = patient()
    p.chartevents = p.chartevents.iloc[1:]
    with pytest.raises(pickle.PicklingError, match="RangeIndex"):
        dumps(p)
