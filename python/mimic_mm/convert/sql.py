"""SQL pieces shared by every table: the typed SELECT over raw columns, and cast-error diagnosis.

Raw columns are read under positional names `c0, c1, ...` (the header has been checked against the catalogue
case-insensitively, so position identifies the column). CSV tables are parsed into their lake types as DuckDB
reads them (`read_types`); per-case files arrive as text. Either way the SELECT casts to the lake type (a
no-op on a column already of that type).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import duckdb

from mimic_mm.convert.schema import Schema, lake_column
from mimic_mm.releases import ReleaseTable
from mimic_mm.sql_quote import quote_ident


def raw_name(i: int) -> str:
    return f"c{i}"


def cast(expr: str, type_: str) -> str:
    return expr if type_ == "VARCHAR" else f"CAST({expr} AS {type_})"


def _study_datetime(ref: Callable[[str], str | None]) -> str | None:
    """StudyDate + StudyTime from the raw text: integer part zero-padded to 6 digits, fraction kept."""
    d, t = ref("StudyDate"), ref("StudyTime")
    if d is None or t is None:
        return None
    frac = f"coalesce(nullif(split_part({t}, '.', 2), ''), '0')"
    return (
        f"strptime({d} || lpad(split_part({t}, '.', 1), 6, '0'), '%Y%m%d%H%M%S')"
        f" + to_microseconds(CAST(round(CAST('0.' || {frac} AS DOUBLE) * 1000000) AS BIGINT))"
    )


# Extra lake columns computed from the raw columns of the same row.
COMPUTED: dict[str, Callable[[Callable[[str], str | None]], str | None]] = {
    "study_datetime": _study_datetime,
}


def read_types(rt: ReleaseTable, schema: Schema) -> list[str]:
    """The type DuckDB's CSV reader parses each raw column as: its lake type, so that values are parsed once.

    Raw columns that feed a computed column stay text (the expression works on the raw spelling), as do
    columns that are not in the lake. A value that does not parse fails the read with its line and column.
    """
    types = dict(schema)
    text_inputs = {column for _, _, used in _computed(rt, schema) for column in used}
    return [
        "VARCHAR" if c.name in text_inputs else types.get(lake_column(rt, c.name), "VARCHAR")
        for c in rt.columns
    ]


def typed_select(
    rt: ReleaseTable, schema: Schema, source: str, consts: dict[str, str] | None = None, where: str = ""
) -> str:
    """SELECT every lake column from `source` (raw columns c0..cn of `rt`): cast, renamed or NULL.

    `consts` gives SQL for extra columns (phase, id, row_index ...) that do not come from the raw header.
    """
    consts = consts or {}
    by_lake = {lake_column(rt, c.name): raw_name(i) for i, c in enumerate(rt.columns)}
    by_raw = {c.name: raw_name(i) for i, c in enumerate(rt.columns)}
    exprs = []
    for name, type_ in schema:
        if name in consts:
            expr = consts[name]
        elif name in by_lake:
            expr = cast(by_lake[name], type_)
        elif name in COMPUTED and (computed := COMPUTED[name](by_raw.get)) is not None:
            expr = computed
        else:
            expr = f"CAST(NULL AS {type_})"
        exprs.append(f"{expr} AS {quote_ident(name)}")
    return f"SELECT {', '.join(exprs)} FROM {source}{where}"


def _recording(by_raw: dict[str, str], used: list[str]) -> Callable[[str], str | None]:
    """A column lookup that records which raw columns a computed expression reads."""

    def ref(column: str) -> str | None:
        used.append(column)
        return by_raw.get(column)

    return ref


def _computed(rt: ReleaseTable, schema: Schema) -> list[tuple[str, str | None, list[str]]]:
    """(lake name, SQL or None if `rt` lacks an input, raw columns it reads) of each computed lake column."""
    by_raw = {c.name: raw_name(i) for i, c in enumerate(rt.columns)}
    lake_names = {name for name, _ in schema}
    out = []
    for name, make in COMPUTED.items():
        if name in lake_names:
            used: list[str] = []
            out.append((name, make(_recording(by_raw, used)), used))
    return out


def _checks(rt: ReleaseTable, schema: Schema) -> list[tuple[str, str, list[str], str]]:
    """(column label, typed SQL, raw inputs, lake type) of every lake column that can fail on a raw value."""
    types = dict(schema)
    out = []
    for i, c in enumerate(rt.columns):
        t = types.get(lake_column(rt, c.name), "VARCHAR")
        if t != "VARCHAR":
            out.append((c.name, cast(raw_name(i), t), [raw_name(i)], t))
    by_raw = {c.name: raw_name(i) for i, c in enumerate(rt.columns)}
    for name, expr, used in _computed(rt, schema):
        if expr is not None:
            out.append(("/".join(used), expr, [by_raw[c] for c in used], types[name]))
    return out


def first_bad_value(
    con: duckdb.DuckDBPyConnection, rt: ReleaseTable, schema: Schema, source: str, position: list[str]
) -> tuple[tuple, str, str, str] | None:
    """Find the first row of `source` with a value that does not convert to its lake type.

    `position` are SQL expressions locating the row (e.g. a record number, or file index and line).
    Returns (position values, raw column name, value, target type), or None if every value converts.
    """
    checks = _checks(rt, schema)
    if not checks:
        return None
    bad = [
        "(" + " AND ".join(f"{r} IS NOT NULL" for r in inputs) + f" AND TRY({expr}) IS NULL)"
        for _, expr, inputs, _ in checks
    ]
    which = "CASE " + " ".join(f"WHEN {b} THEN {k}" for k, b in enumerate(bad)) + " END"
    pos = ", ".join(position)
    inputs = sorted({r for _, _, rs, _ in checks for r in rs})
    # One pass: the source may be a stream that can be read only once.
    rows = con.execute(
        f"SELECT {pos}, {which} AS _k, {', '.join(inputs)} FROM {source} WHERE {' OR '.join(bad)}"
        f" ORDER BY {pos} LIMIT 1"
    ).fetchall()  # not fetchone(): that leaves the result open and blocks the reused connection
    if not rows:
        return None
    row = rows[0]
    label, _, used, type_ = checks[row[len(position)]]
    got = dict(zip(inputs, row[len(position) + 1 :], strict=True))
    values = [got[r] for r in used]
    return tuple(row[: len(position)]), label, " ".join(str(v) for v in values), type_


def bad_value_message(line: object, column: str, value: str, type_: str) -> str:
    return f"line {line}, column {column!r}: cannot convert value {shorten(value)} to {type_}"


def shorten(value: str, limit: int = 40) -> str:
    value = value if len(value) <= limit else value[:limit] + "…"
    return repr(value)


_CSV_LINE = re.compile(r"CSV Error on Line: (\d+)")
_CONVERT = re.compile(
    r"Error when converting column \"(c\d+)\"\. Could not convert string \"(.*?)\" to '([^']+)'"
)


def duckdb_csv_error(
    path: object, rt: ReleaseTable, exc: Exception, physical_line: Callable[[int], int]
) -> tuple[str, bool]:
    """Turn a DuckDB CSV error into a message naming file, line and column, without the row's content.

    DuckDB numbers records, not lines (a quoted newline does not count): `physical_line` maps its data record
    number to the line in the file. Returns (message, located): located is False when DuckDB gave no line and
    a diagnosis pass is needed.
    """
    text = str(exc)
    found = _CSV_LINE.search(text)
    line = None
    if found:
        record = int(found.group(1)) - 1
        physical = physical_line(record)
        line = f"line {physical}" + (f" (record {record})" if physical != record + 1 else "")
    conv = _CONVERT.search(text)
    if conv:
        i = int(conv.group(1)[1:])
        where = f"{line}, " if line else ""
        msg = (
            f"{path}: {where}column {rt.columns[i].name!r}: cannot convert value {shorten(conv.group(2))}"
            f" to {conv.group(3)}"
        )
        return msg, bool(line)
    if isinstance(exc, duckdb.ConversionException):
        return f"{path}: {text.splitlines()[0]}", False
    # Keep DuckDB's description lines, drop the echoed row ("Original Line") and its advice.
    keep = []
    for ln in text.splitlines()[1:]:
        if ln.startswith("Possible") or ln.strip().startswith("file ="):
            break
        if ln.startswith("Original Line") or not ln.strip():
            continue
        keep.append(ln.strip())
    head = text.splitlines()[0] if text else type(exc).__name__
    if line:
        head = line
    if keep and "Original Line" in text:
        # The echoed row may span several lines; keep only DuckDB's own sentences.
        keep = [
            k for k in keep if re.match(r"^(Expected|Value|Maximum|Invalid|The|Unterminated|Row)", k)
        ] or ["malformed CSV row"]
    return f"{path}: {head}: {' '.join(keep)}".rstrip(": "), bool(line)
