"""Write a Patient_ICU as a pickle that plain `pickle.load` reads with only numpy and pandas, old or new.

pandas and numpy pickle their objects through private paths (`pandas.core.internals…`, `numpy._core…`)
that change between versions, so a pickle written by pandas 3/numpy 2 does not load under numpy 1/pandas 1.
Here every object is written as a call of a public constructor that exists, under the same module path,
in numpy 1.x and 2.x and pandas 1.x to 3.x:

- the sample: `types.SimpleNamespace()` with the 29 attributes as its state, in order;
- a frame: `pandas.DataFrame({name: column, …}, None, [name, …])` (a plain RangeIndex);
- a column: `pandas.Series(array, None, dtype_name)` (the dtype is named so that pandas 3 keeps strings as
  `object`, as older pandas does);
- a numeric, bool or datetime64 array (and each image): `numpy.ndarray(shape, dtype_str, bytearray(raw))`
  (a writable array; `dtype_str` is explicit about byte order);
- an object array: `numpy.array([value, …], 'object')`, values being str, None, float, int, bool,
  datetime.date/datetime/time/timedelta or decimal.Decimal.

Output is a function of the values only: equal strings and dates are written once and referred back to (the
pickle memo), whatever Python object identity they had in memory, so identical input gives identical bytes.
"""

from __future__ import annotations

import datetime
import decimal
import io
import pickle
import types
from typing import IO, Any

import numpy as np
import pandas as pd

from mimic_mm.haim_patient import ATTRIBUTES, Patient_ICU

PROTOCOL = 4  # the highest protocol Python 3.6/3.7 (HAIM's own environment) reads
# Object-column values written as themselves; anything else is refused (it would pickle via a private path).
PLAIN_VALUES = (type(None), bool, int, float)
CANONICAL_VALUES = (
    str,
    bytes,
    datetime.date,
    datetime.datetime,
    datetime.time,
    datetime.timedelta,
    decimal.Decimal,
)
# dtype kinds stored as raw bytes: bool, signed/unsigned int, float, datetime64, timedelta64.
RAW_KINDS = set("biufMm")


class _Column:
    """A frame column on its way into the pickle (reduced to `pandas.Series(array, None, dtype)`)."""

    __slots__ = ("array", "dtype")

    def __init__(self, array: np.ndarray, dtype: str):
        self.array = array
        self.dtype = dtype


class PortablePickler(pickle.Pickler):
    """Pickler for Patient_ICU objects; refuses anything it cannot write through public constructors."""

    def __init__(self, file: IO[bytes]):
        super().__init__(file, protocol=PROTOCOL)
        # value → the one object that stands for every equal value in this pickle (see the module docstring)
        self._canonical: dict[Any, Any] = {}

    def _canon(self, value: Any) -> Any:
        cls = type(value)
        if cls is str:
            return self._canonical.setdefault(value, value)
        if cls in PLAIN_VALUES:
            return value
        if cls in CANONICAL_VALUES:
            return self._canonical.setdefault((cls, value), value)
        if isinstance(value, np.generic) and value.dtype.kind in "biuf":
            return value.item()  # a numpy scalar in an object column (from a merge): its Python value
        raise pickle.PicklingError(f"cannot write a {cls.__module__}.{cls.__name__} value portably")

    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        if cls is Patient_ICU:
            return (types.SimpleNamespace, (), {name: getattr(obj, name) for name in ATTRIBUTES})
        if cls is pd.DataFrame:
            return self._frame(obj)
        if cls is _Column:
            return (pd.Series, (obj.array, None, obj.dtype))
        if cls is np.ndarray:
            return self._array(obj)
        if isinstance(obj, (pd.DataFrame, pd.Series, pd.Index, np.ndarray, np.generic)) or (
            cls.__module__.split(".")[0] in ("pandas", "numpy")
        ):
            raise pickle.PicklingError(f"cannot write a {cls.__module__}.{cls.__name__} portably")
        return NotImplemented

    def _frame(self, df: pd.DataFrame) -> tuple:
        index = df.index
        if not (isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1):
            raise pickle.PicklingError("frames must have a plain 0..n-1 RangeIndex")
        names = [self._canon(str(c)) for c in df.columns]
        if len(set(names)) != len(names):
            raise pickle.PicklingError(f"duplicate column names in {names}")
        columns: dict[str, _Column] = {}
        for i, name in enumerate(names):
            s = df.iloc[:, i]
            dtype = s.dtype
            if isinstance(dtype, np.dtype) and dtype.kind in "Mm" and dtype != np.dtype(f"{dtype.kind}8[ns]"):
                # pandas < 2 holds times in nanoseconds only
                s, dtype = s.astype(f"{dtype.kind}8[ns]"), np.dtype(f"{dtype.kind}8[ns]")
            if isinstance(dtype, np.dtype) and dtype.kind in RAW_KINDS:
                columns[name] = _Column(s.to_numpy(), self._canon(str(dtype)))
            else:
                # object, or an extension dtype (pandas str, nullable): Python values, NULL as pandas gives it
                columns[name] = _Column(s.to_numpy(dtype=object), "object")
        return (pd.DataFrame, (columns, None, names))

    def _array(self, arr: np.ndarray) -> tuple:
        if arr.dtype.kind in RAW_KINDS:
            raw = bytearray(np.ascontiguousarray(arr).tobytes())
            return (np.ndarray, (tuple(int(n) for n in arr.shape), self._canon(arr.dtype.str), raw))
        if arr.dtype == object and arr.ndim == 1:
            same, canon = self._canonical.setdefault, self._canon  # strings inline: most values, hot loop
            return (
                np.array,
                ([same(v, v) if v.__class__ is str else canon(v) for v in arr.tolist()], "object"),
            )
        raise pickle.PicklingError(f"cannot write a {arr.ndim}-d {arr.dtype} array portably")


def dump(patient: Patient_ICU, file: IO[bytes]) -> None:
    PortablePickler(file).dump(patient)


def dumps(patient: Patient_ICU) -> bytes:
    buf = io.BytesIO()
    dump(patient, buf)
    return buf.getvalue()
