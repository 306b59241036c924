"""Vectorised row generation: expand parent entities into event rows and fill every catalogue column.

A table is described by a `Plan` (which parent, how many rows per parent, which column is the event time) and
column `Rule`s keyed by column name; columns without a rule get a type-based default. Nothing here loops over
rows in Python: each rule returns a whole pyarrow array for a chunk of parents.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mimic_mm.releases import ReleaseTable
from mimic_mm.synth.dictionaries import Columns


@dataclass
class Frame:
    """Parent entities: id columns (optional null masks) and an interval [start, end] in epoch seconds."""

    cols: dict[str, np.ndarray]
    start: np.ndarray
    end: np.ndarray
    nulls: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.start)

    def take(self, idx: np.ndarray) -> Frame:
        return Frame(
            {k: v[idx] for k, v in self.cols.items()},
            self.start[idx],
            self.end[idx],
            {k: v[idx] for k, v in self.nulls.items()},
        )


@dataclass
class Ctx:
    table: ReleaseTable
    rng: np.random.Generator
    n: int
    time: np.ndarray  # event time of each row, epoch seconds
    parent: np.ndarray  # parent index of each row (rows are grouped by parent, parents by subject)
    frame: Frame  # the chunk's parents
    row_offset: int  # rows generated for this table before this chunk (for unique counters)
    dicts: dict[str, Columns]
    out: dict[str, pa.Array] = field(default_factory=dict)
    item: np.ndarray | None = None  # index into the dictionary chosen by an `Item` rule
    item_dict: Columns | None = None
    resolve: Callable[[str], pa.Array] | None = None  # value of another column of the row, computed on demand
    default_null: float = 0.1  # NULL share of nullable columns that have no rule
    scratch: dict[str, Any] = field(default_factory=dict)  # values several rules of one row share

    def column(self, name: str) -> pa.Array:
        assert self.resolve is not None
        return self.resolve(name)

    def parent_col(self, name: str) -> pa.Array:
        mask = self.frame.nulls.get(name)
        values = take(self.frame.cols[name], self.parent)
        if mask is None:
            return values
        return pc.if_else(pa.array(mask[self.parent]), pa.nulls(self.n, values.type), values)


Rule = Callable[[Ctx], pa.Array]


def _nulls(ctx: Ctx, arr: pa.Array, share: float) -> pa.Array:
    if share <= 0:
        return arr
    mask = ctx.rng.random(ctx.n) < share
    return pc.if_else(pa.array(mask), pa.nulls(ctx.n, arr.type), arr)


def seconds_to_ts(sec: np.ndarray) -> pa.Array:
    return pa.array(sec.astype("datetime64[s]"))


def group_seq(keys: np.ndarray) -> np.ndarray:
    """1, 2, 3... within runs of equal consecutive keys."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(keys[1:] != keys[:-1]) + 1]
    lengths = np.diff(np.r_[starts, n])
    return np.arange(n) - np.repeat(starts, lengths) + 1


# ---- rules -------------------------------------------------------------------------------------------------


def take(values: pa.Array | np.ndarray | Sequence[object], idx: np.ndarray) -> pa.Array:
    """values[idx] without converting Python objects row by row (Arrow take on a small pool)."""
    pool = values if isinstance(values, pa.Array) else pa.array(values)
    return pc.take(pool, pa.array(idx))


def choice(values: Sequence[object], p: Sequence[float] | None = None, null: float = 0.0) -> Rule:
    pool = pa.array(list(values))
    probs = None if p is None else np.array(p) / np.sum(p)

    def rule(ctx: Ctx) -> pa.Array:
        idx = (
            ctx.rng.choice(len(pool), ctx.n, p=probs)
            if probs is not None
            else ctx.rng.integers(0, len(pool), ctx.n)
        )
        return _nulls(ctx, take(pool, idx), null)

    return rule


def ints(lo: int, hi: int, null: float = 0.0) -> Rule:
    return lambda ctx: _nulls(ctx, pa.array(ctx.rng.integers(lo, hi + 1, ctx.n)), null)


def floats(lo: float, hi: float, decimals: int = 2, null: float = 0.0) -> Rule:
    return lambda ctx: _nulls(ctx, pa.array(np.round(ctx.rng.uniform(lo, hi, ctx.n), decimals)), null)


def after(lo_min: float, hi_min: float, null: float = 0.0) -> Rule:
    """A timestamp offset from the row's event time (negative minutes: before it)."""

    def rule(ctx: Ctx) -> pa.Array:
        off = ctx.rng.uniform(lo_min * 60, hi_min * 60, ctx.n).astype(np.int64)
        return _nulls(ctx, seconds_to_ts(ctx.time + off), null)

    return rule


def event_time(ctx: Ctx) -> pa.Array:
    return seconds_to_ts(ctx.time)


def seconds_to_date(sec: np.ndarray) -> pa.Array:
    return pa.array((sec // 86400).astype("datetime64[D]"))


def event_date(ctx: Ctx) -> pa.Array:
    return seconds_to_date(ctx.time)


def event_midnight(ctx: Ctx) -> pa.Array:
    return seconds_to_ts(ctx.time // 86400 * 86400)


def event_day(ctx: Ctx, col: str) -> pa.Array:
    """The event's day: a DATE, or a midnight TIMESTAMP where the release types the column so (1.0)."""
    ref = next(c.type for c in ctx.table.columns if c.name.lower() == col)
    return event_date(ctx) if ref.upper() == "DATE" else event_midnight(ctx)


def day(col: str) -> Rule:
    return lambda ctx: event_day(ctx, col)


def counter(base: int) -> Rule:
    return lambda ctx: pa.array(base + ctx.row_offset + np.arange(ctx.n, dtype=np.int64))


def distinct_in_parent(values: Sequence[object]) -> Rule:
    """values in turn within a parent, from a random start: rows of one parent never repeat a value (the plan
    caps a parent's rows at len(values))."""
    pool = pa.array(list(values))

    def rule(ctx: Ctx) -> pa.Array:
        start = ctx.rng.integers(0, len(pool), len(ctx.frame))[ctx.parent]
        return take(pool, (start + group_seq(ctx.parent) - 1) % len(pool))

    return rule


def parent_seq(ctx: Ctx) -> pa.Array:
    return pa.array(group_seq(ctx.parent))


def parent_key(name: str, null: float = 0.0) -> Rule:
    return lambda ctx: _nulls(ctx, ctx.parent_col(name), null)


def subject_id_text(code: str | None = None) -> Rule:
    """`<subject_id>-<seq>` (poe_id, emar_id) or `<subject_id>-<code>-<seq>` (note_id), seq per subject."""

    def rule(ctx: Ctx) -> pa.Array:
        subj = ctx.frame.cols["subject_id"][ctx.parent]
        seq = group_seq(subj) + ctx.row_offset  # offsets keep chunks distinct; subjects never span chunks
        parts: list[pa.Array | pa.Scalar] = [pa.array(subj).cast(pa.string())]
        if code:
            parts.append(pa.scalar(code))
        parts.append(pa.array(seq).cast(pa.string()))
        return pc.binary_join_element_wise(*parts, pa.scalar("-"))

    return rule


def pick_from(dict_name: str, col: str, null: float = 0.0) -> Rule:
    def rule(ctx: Ctx) -> pa.Array:
        pool = ctx.dicts[dict_name][col]
        return _nulls(ctx, take(pool, ctx.rng.integers(0, len(pool), ctx.n)), null)

    return rule


def item(dict_name: str, linksto: str | None = None, col: str = "itemid") -> Rule:
    """Choose a dictionary entry per row (skewed: a few items are charted far more often, as in MIMIC)."""

    def rule(ctx: Ctx) -> pa.Array:
        d = ctx.dicts[dict_name]
        cand = np.arange(len(d[col])) if linksto is None else np.flatnonzero(d["linksto"] == linksto)
        weights = d["_weight"][cand] if "_weight" in d else 1.0 / (1.0 + np.arange(len(cand)))
        ctx.item = cand[ctx.rng.choice(len(cand), ctx.n, p=weights / weights.sum())]
        if "_always" in d:
            _cover(ctx, cand[d["_always"][cand]])
        ctx.item_dict = d
        return take(d[col], ctx.item)

    return rule


def _cover(ctx: Ctx, items: np.ndarray) -> None:
    """Give every parent each of `items` at least once: its first len(items) rows in a random order (all of
    its rows if it has fewer) take them."""
    if not len(items) or not ctx.n:
        return
    order = np.lexsort((ctx.rng.random(ctx.n), ctx.parent))
    rank = np.empty(ctx.n, dtype=np.int64)
    rank[order] = group_seq(ctx.parent[order]) - 1
    hit = rank < len(items)
    assert ctx.item is not None
    ctx.item[hit] = items[rank[hit]]


def item_attr(col: str, null: float = 0.0, item_col: str = "itemid") -> Rule:
    def rule(ctx: Ctx) -> pa.Array:
        ctx.column(item_col)  # the item choice happens when that column is made
        assert ctx.item_dict is not None and ctx.item is not None
        return _nulls(ctx, take(ctx.item_dict[col], ctx.item), null)

    return rule


def item_value(decimals: int = 2, null: float = 0.0) -> Rule:
    """A number around the item's mean; for text-valued items the score of the drawn answer (or NULL).

    The drawn answer is kept for `item_text`, so value and valuenum of a row agree.
    """

    def rule(ctx: Ctx) -> pa.Array:
        ctx.column("itemid")
        assert ctx.item_dict is not None and ctx.item is not None
        d = ctx.item_dict
        mean, sd = d["_mean"][ctx.item], d["_sd"][ctx.item]
        v = np.round(np.abs(ctx.rng.normal(mean, sd)), decimals)
        text, score = _answers(ctx)
        no_score = text.is_valid().to_numpy(zero_copy_only=False) & np.isnan(score)
        out = pa.array(np.where(np.isnan(score), v, score), mask=no_score)
        return _nulls(ctx, out, null)

    return rule


def _answers(ctx: Ctx) -> tuple[pa.Array, np.ndarray]:
    """Per row: the text answer drawn for text-valued items (NULL otherwise) and its score (NaN if none)."""
    if "answers" in ctx.scratch:
        return ctx.scratch["answers"]
    assert ctx.item_dict is not None and ctx.item is not None
    text = np.full(ctx.n, None, dtype=object)
    score = np.full(ctx.n, np.nan)
    choices = ctx.item_dict.get("_choices")
    if choices is not None:
        for it in np.unique(ctx.item):
            if not choices[it]:
                continue
            rows = np.flatnonzero(ctx.item == it)
            pick = ctx.rng.integers(0, len(choices[it]), len(rows))
            text[rows] = np.array([c[0] for c in choices[it]], dtype=object)[pick]
            score[rows] = np.array([np.nan if c[1] is None else c[1] for c in choices[it]])[pick]
    ctx.scratch["answers"] = (pa.array(text, type=pa.string()), score)
    return ctx.scratch["answers"]


def item_text(value_col: str = "valuenum") -> Rule:
    """The text value: the drawn answer of a text-valued item, else the number of `value_col` as text."""

    def rule(ctx: Ctx) -> pa.Array:
        number = ctx.column(value_col).cast(pa.string())
        text, _ = _answers(ctx)
        return pc.if_else(text.is_valid(), text, number)

    return rule


def item_rate(null: float = 0.0) -> Rule:
    """inputevents rate around the item's usual rate (NULL for items given as boluses)."""

    def rule(ctx: Ctx) -> pa.Array:
        ctx.column("itemid")
        assert ctx.item_dict is not None and ctx.item is not None
        mean, sd = ctx.item_dict["_rate_mean"][ctx.item], ctx.item_dict["_rate_sd"][ctx.item]
        v = np.round(np.abs(ctx.rng.normal(mean, sd)), 4)
        return _nulls(ctx, pa.array(v, mask=mean == 0), null)

    return rule


def same_as(col: str, as_text: bool = False) -> Rule:
    def rule(ctx: Ctx) -> pa.Array:
        v = ctx.column(col)
        return v.cast(pa.string()) if as_text else v

    return rule


def const(value: object) -> Rule:
    pool = pa.array([value], type=pa.string() if value is None else None)
    return lambda ctx: take(pool, np.zeros(ctx.n, dtype=np.int64))


def default_rule(col: str, ref_type: str, not_null: bool, null_share: float = 0.1) -> Rule:
    """Fallback by reference type for columns without a domain: plausible, parseable, 10% NULL if allowed."""
    null = 0.0 if not_null else null_share
    t = ref_type.upper()
    if t.startswith(("INT", "SMALLINT", "BIGINT")):
        return ints(0, 1 if t.startswith("SMALLINT") else 500, null)
    if t.startswith(("FLOAT", "REAL", "DOUBLE", "NUMERIC")):
        return floats(0, 500, 2, null)
    if t.startswith("TIMESTAMP"):
        return after(0, 180, null)
    if t == "DATE":
        return event_date
    return choice([f"{col} {k}" for k in range(1, 9)], null=null)


def fill(ctx: Ctx, rules: dict[str, Rule], base: dict[str, pa.Array]) -> pa.Table:
    """Build every column of `ctx.table`: given values, then rules, then type defaults.

    Columns are made on demand, so a rule may use another column (value = text of valuenum) in any order.
    """
    types = {c.name.lower(): c for c in ctx.table.columns}

    def resolve(key: str) -> pa.Array:
        if key not in ctx.out:
            c = types[key]
            if key in base:
                arr = base[key]
            elif key in rules:
                arr = rules[key](ctx)
            else:
                arr = default_rule(key, c.type, c.not_null, ctx.default_null)(ctx)
            if len(arr) != ctx.n:
                raise ValueError(
                    f"{ctx.table.release}/{ctx.table.table}.{c.name}: {len(arr)} values for {ctx.n} rows"
                )
            ctx.out[key] = arr
        return ctx.out[key]

    ctx.resolve = resolve
    return pa.table([resolve(c.name.lower()) for c in ctx.table.columns], names=ctx.table.header)


def expand(
    frame: Frame,
    rng: np.random.Generator,
    mean: float,
    length_norm: float | None,
    minimum: int,
    fixed: int | None,
    maximum: int | None = None,
    distinct_times: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Rows per parent and their times: (parent index, epoch seconds) per row, grouped and time-sorted.

    With `length_norm` (the mean parent length over the whole table, in seconds) longer stays get more rows;
    `maximum` caps the rows of a parent; `distinct_times` moves a time that repeats within its parent to the
    next free second.
    """
    n = len(frame)
    if fixed is not None:
        counts = np.full(n, fixed)
    else:
        lam = np.full(n, float(mean))
        if length_norm and n:
            lam = mean * np.maximum(frame.end - frame.start, 3600).astype(float) / length_norm
        counts = np.maximum(rng.poisson(lam), minimum)
        if maximum is not None:
            counts = np.minimum(counts, maximum)  # after the draw: the random stream stays the same
    parent = np.repeat(np.arange(n), counts)
    span = (frame.end - frame.start)[parent]
    t = frame.start[parent] + (rng.random(len(parent)) * np.maximum(span, 1)).astype(np.int64)
    order = np.lexsort((t, parent))
    parent, t = parent[order], t[order]
    if distinct_times:
        t = _strictly_increasing(parent, t)
    return parent, t


def _strictly_increasing(parent: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Sorted times made strictly increasing within each parent run: t'[i] = max(t[i], t'[i-1] + 1).

    That is i + running max of (t[j] - j); adding parent * 2**40 (times and row numbers stay far below) keeps
    one running max over the whole array from crossing parents."""
    i = np.arange(len(t), dtype=np.int64)
    offset = parent.astype(np.int64) << 40
    return np.maximum.accumulate(offset + t - i) - offset + i
