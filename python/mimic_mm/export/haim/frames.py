"""Arrow → pandas the way HAIM consumers can load: object strings and labels, datetime64[ns].

pandas 3 would make `str` columns and labels, which pandas 2.2 cannot unpickle; object dtype, object column
labels and nanosecond datetimes load in both.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def _is_text(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def _interned(col: pa.ChunkedArray) -> np.ndarray:
    """Object array of the column's strings where equal values are one Python object: pickle then writes
    a repeated value (a d_items label, a unit) once and refers back to it, which makes pickles smaller and
    faster to write and to load."""
    encoded = col.combine_chunks().dictionary_encode() if col.num_chunks else pa.array([], pa.string())
    if not len(encoded):
        return np.empty(0, dtype=object)
    values = np.empty(len(encoded.dictionary) + 1, dtype=object)  # last slot: None for NULL
    values[:-1] = encoded.dictionary.to_numpy(zero_copy_only=False)
    codes = encoded.indices.fill_null(len(encoded.dictionary)).to_numpy()
    return values[codes]


def to_pandas(table: pa.Table, with_nulls: frozenset[str] = frozenset()) -> pd.DataFrame:
    """A DataFrame with object-dtype strings (None for NULL), object column labels and datetime64[ns].
    Integer columns in `with_nulls` are float64 and boolean ones object whether or not these rows hold a
    NULL, so the dtype does not depend on which rows a batch happens to hold."""
    for i, f in enumerate(table.schema):
        if f.name in with_nulls and pa.types.is_integer(f.type):
            table = table.set_column(i, f.name, table.column(i).cast(pa.float64()))
    text = [i for i, f in enumerate(table.schema) if _is_text(f.type)]
    rest = table.drop_columns([table.column_names[i] for i in text]) if text else table
    df = rest.to_pandas(coerce_temporal_nanoseconds=True, date_as_object=True)
    columns: dict[str, pd.Series | np.ndarray] = {}
    for i, name in enumerate(table.column_names):
        if _is_text(table.schema.field(i).type):
            columns[name] = pd.Series(_interned(table.column(i)), index=df.index, dtype=object, copy=False)
        else:
            columns[name] = df[name]
    for f in table.schema:
        if f.name in with_nulls and pa.types.is_boolean(f.type):
            columns[f.name] = pd.Series(df[f.name].to_numpy(dtype=object), index=df.index, dtype=object)
    out = pd.DataFrame(columns, index=df.index, copy=False)
    out.columns = pd.Index(table.column_names, dtype=object)
    return out


def portable(df: pd.DataFrame) -> pd.DataFrame:
    """Make a frame built in pandas (merge, concat) loadable by pandas 2.2: str → object, labels → object."""
    for name, dtype in df.dtypes.items():
        if isinstance(dtype, pd.StringDtype):
            df[name] = df[name].astype(object)
    if df.columns.dtype != object:
        df.columns = pd.Index(list(df.columns), dtype=object)
    return df


def slice_frame(df: pd.DataFrame, start: int, stop: int) -> pd.DataFrame:
    """A subject's rows of a converted batch, indexed from 0 (copy-on-write: no data copied)."""
    out = df.iloc[start:stop]
    out.index = pd.RangeIndex(stop - start)
    return out


def take_rows(df: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """Rows where `mask` holds, indexed from 0; the frame itself when every row is kept."""
    if mask.all():
        return df
    out = df.take(np.flatnonzero(mask))
    out.index = pd.RangeIndex(len(out))
    return out


def concat_frames(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return parts[0] if len(parts) == 1 else portable(pd.concat(parts, ignore_index=True))
