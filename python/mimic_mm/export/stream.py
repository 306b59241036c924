"""Stream a query's rows grouped by subject: one ordered pass, one subject's rows in memory at a time."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

SUBJECT = "subject_id"
DEFAULT_BATCH = 65_536


class StreamOrderError(RuntimeError):
    """A stream's subject_ids are not ascending (the query lacks ORDER BY subject_id)."""


def subject_runs(ids: np.ndarray) -> Iterator[tuple[int, int, int]]:
    """(subject_id, start, stop) of each run of equal ids in an ordered id array."""
    if len(ids) == 0:
        return
    cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
    bounds = np.concatenate(([0], cuts, [len(ids)]))
    for start, stop in itertools.pairwise(bounds):
        yield int(ids[start]), int(start), int(stop)


class SubjectStream:
    """Iterator of (subject_id, that subject's rows) over an ordered query.

    Rows come as an Arrow table, or, with `convert`, as whatever `convert` makes of each record batch (for
    example a pandas DataFrame: converting a whole batch once is much cheaper than once per subject); a
    subject's rows are then `slice(obj, start, stop)` of the converted batch, joined by `concat` when they
    span batches. The query runs when the stream is created, so `schema` and `empty()` are known before the
    first row (merge_by_subject needs them for subjects without rows). Each DuckDB cursor streams one result
    at a time: give every concurrent stream its own `con.cursor()`.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        sql: str,
        batch_size: int = DEFAULT_BATCH,
        name: str = "",
        convert: Callable[[pa.Table], Any] | None = None,
        slice: Callable[[Any, int, int], Any] | None = None,
        concat: Callable[[list[Any]], Any] | None = None,
    ):
        self.name = name or sql.strip().splitlines()[0][:80]
        self._reader = con.sql(sql).to_arrow_reader(batch_size)
        self.schema: pa.Schema = self._reader.schema
        if SUBJECT not in self.schema.names:
            raise ValueError(f"stream {self.name}: the query has no {SUBJECT} column")
        self._convert = convert
        self._slice = slice or (lambda obj, start, stop: obj.slice(start, stop - start))
        self._concat = concat or (lambda parts: pa.Table.from_batches(parts, self.schema))
        self._iter = self._generate()

    def empty(self) -> Any:
        table = self.schema.empty_table()
        return self._convert(table) if self._convert else table

    def __iter__(self) -> SubjectStream:
        return self

    def __next__(self) -> tuple[int, Any]:
        return next(self._iter)

    def _generate(self) -> Iterator[tuple[int, Any]]:
        pending: list[Any] = []
        current: int | None = None
        for batch in self._reader:
            if batch.num_rows == 0:
                continue
            ids = batch.column(SUBJECT).to_numpy(zero_copy_only=False)
            obj = self._convert(pa.Table.from_batches([batch])) if self._convert else batch
            for sid, start, stop in subject_runs(ids):
                if current is not None and sid != current:
                    if sid < current:
                        raise StreamOrderError(
                            f"stream {self.name}: subject_id {sid} after {current}; the query must be "
                            f"ordered by {SUBJECT}"
                        )
                    yield current, self._concat(pending)
                    pending = []
                current = sid
                pending.append(self._slice(obj, start, stop))
        if current is not None:
            yield current, self._concat(pending)


def stream_by_subject(
    con: duckdb.DuckDBPyConnection, sql: str, batch_size: int = DEFAULT_BATCH, name: str = ""
) -> SubjectStream:
    """Run `sql` (which has a subject_id column and is ordered by it) and yield each subject's rows as one
    Arrow table, reading `batch_size` rows at a time."""
    return SubjectStream(con, sql, batch_size, name)


def merge_by_subject(
    streams: Mapping[str, Iterator[tuple[int, Any]]], subjects: Iterable[int]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Walk `subjects` (ascending) and yield, per subject, every stream's rows; a stream with no rows for the
    subject gives an empty table with its schema. Rows of subjects not in the list are skipped."""
    heads: dict[str, tuple[int, Any] | None] = {key: next(s, None) for key, s in streams.items()}
    empty: dict[str, Any] = {}
    previous: int | None = None
    for sid in subjects:
        if previous is not None and sid <= previous:
            raise ValueError(
                f"merge_by_subject: subjects must be ascending and unique ({sid} after {previous})"
            )
        previous = sid
        out: dict[str, Any] = {}
        for key, stream in streams.items():
            head = heads[key]
            while head is not None and head[0] < sid:
                head = next(stream, None)
            if head is not None and head[0] == sid:
                out[key] = head[1]
                head = next(stream, None)
            else:
                if key not in empty:
                    empty[key] = _empty_of(stream, head)
                out[key] = empty[key]
            heads[key] = head
        yield sid, out


def _empty_of(stream: Iterator[tuple[int, Any]], head: tuple[int, Any] | None) -> Any:
    make_empty = getattr(stream, "empty", None)
    if make_empty is not None:
        return make_empty()
    if head is not None and isinstance(head[1], pa.Table):
        return head[1].schema.empty_table()
    return pa.schema([(SUBJECT, pa.int64())]).empty_table()
