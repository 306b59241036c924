"""HAIM's time series in the synthetic event tables: planted series with exact values, and the file order.

HAIM's statistics follow the order of the rows in chartevents/labevents/procedureevents, not time. The
generator makes rows in time order, so every chunk of those tables is shuffled within each subject
(deterministically) to make the two orders differ, as they do in MIMIC. Planted subjects carry
`PlantedEvent`s: the generated rows of their planted series (stays for chart and procedure events, admissions
for labs) are replaced by exactly these, written in the given order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mimic_mm.synth.dictionaries import Columns
from mimic_mm.synth.model import Subject

SHUFFLED_TABLES = ("chartevents", "labevents", "procedureevents")
_DICTIONARY = {"chartevents": "d_items", "labevents": "d_labitems", "procedureevents": "d_items"}
_TIME_COLUMNS = {
    "chartevents": ("charttime", "storetime"),
    "labevents": ("charttime", "storetime"),
    "procedureevents": ("starttime", "endtime", "storetime"),
}
_VALUE_COLUMNS = {"chartevents": ("valuenum", "value"), "labevents": ("valuenum", "value"),
                  "procedureevents": ("value",)}  # fmt: skip


@dataclass(frozen=True)
class PlantedEvent:
    """One row of a planted series. value None is written empty (NULL, NaN to pandas); `itemid` picks one
    of several itemids sharing the label (default: every one of them gets the row)."""

    table: str
    subject_id: int
    hadm_id: int
    stay_id: int | None
    label: str
    time: datetime
    value: float | None
    itemid: int | None = None
    stored_after_minutes: float = 0.0


def series_key(table: str) -> str:
    """The id a planted series replaces: labs belong to the admission, the ICU tables to the stay."""
    return "hadm_id" if table == "labevents" else "stay_id"


def planted_keys(subjects: list[Subject], table: str) -> set[int]:
    """Every series key (stay or admission) of the subjects planted for HAIM: their generated rows go."""
    planted = [s for s in subjects if s.haim_events is not None]
    if series_key(table) == "hadm_id":
        return {a.hadm_id for s in planted for a in s.admissions}
    return {stay.stay_id for s in planted for stay in s.icu_stays}


def finish_chunk(
    table: str,
    tbl: pa.Table,
    planted: list[PlantedEvent],
    planted_keys: set[int],
    dicts: dict[str, Columns],
    rng: np.random.Generator,
) -> pa.Table:
    """The chunk with the planted series in place of the generated rows of their keys, shuffled within each
    subject (the planted rows keep their relative order)."""
    if table not in SHUFFLED_TABLES or tbl.num_rows == 0:
        return tbl
    names = [n.lower() for n in tbl.column_names]
    key_col = tbl.column(names.index(series_key(table)))
    subjects = set(pc.unique(tbl.column(names.index("subject_id"))).to_pylist())
    dictionary = dicts[_DICTIONARY[table]]
    # Rows are numbered over the whole table, not the chunk: their ids must not repeat across chunks.
    every_row = [(e, itemid) for e in planted if e.table == table for itemid in _itemids(dictionary, e)]
    mine = [(n, e, itemid) for n, (e, itemid) in enumerate(every_row) if e.subject_id in subjects]
    if planted_keys:
        keep = pc.invert(pc.fill_null(pc.is_in(key_col, pa.array(sorted(planted_keys))), False))
        tbl = tbl.filter(keep)
    tbl = _shuffled_within_subject(tbl, names, rng)
    if mine and tbl.num_rows:
        tbl = _insert_planted(table, tbl, names, mine)
    return tbl


def _shuffled_within_subject(tbl: pa.Table, names: list[str], rng: np.random.Generator) -> pa.Table:
    subject = tbl.column(names.index("subject_id")).to_numpy()
    order = np.lexsort((rng.random(len(subject)), subject))  # subjects stay grouped, rows inside shuffled
    return tbl.take(pa.array(order))


def _itemids(dictionary: Columns, event: PlantedEvent) -> list[int]:
    if event.itemid is not None:
        return [event.itemid]
    found = [
        int(i) for i, lab in zip(dictionary["itemid"], dictionary["label"], strict=True) if lab == event.label
    ]
    if not found:
        raise KeyError(f"planted HAIM event: no dictionary item labelled {event.label!r}")
    return found


# Planted rows take ids that no generated row has: the generator's counters count rows from small bases, so
# they stay far below this. An id is this base plus the row's number over the whole table (every chunk).
PLANTED_ID_BASE = 2_000_000_000


def _insert_planted(
    table: str, tbl: pa.Table, names: list[str], rows: list[tuple[int, PlantedEvent, int]]
) -> pa.Table:
    """Planted rows (copies of the chunk's first row with the planted fields set) placed after the last row of
    their subject, in the order given; each is (number over the table, event, itemid)."""
    template = tbl.slice(0, 1).to_pylist()[0]
    out = []
    for k, e, itemid in rows:
        row = dict(template)
        fields: dict[str, object] = {"subject_id": e.subject_id, "hadm_id": e.hadm_id, "itemid": itemid}
        if e.stay_id is not None and "stay_id" in names:
            fields["stay_id"] = e.stay_id
        if "labevent_id" in names:  # labevents' published primary key
            fields["labevent_id"] = PLANTED_ID_BASE + k
        if "orderid" in names:  # procedureevents' published primary key
            fields["orderid"] = fields["linkorderid"] = PLANTED_ID_BASE + k
        for col in _TIME_COLUMNS[table]:
            fields[col] = e.time
        if "storetime" in names:
            fields["storetime"] = e.time + timedelta(minutes=e.stored_after_minutes)
        for col in _VALUE_COLUMNS[table]:
            as_text = col == "value" and table != "procedureevents"  # chart/lab `value` is the text form
            fields[col] = None if e.value is None else (str(e.value) if as_text else e.value)
        for name in tbl.column_names:
            if name.lower() in fields:
                row[name] = fields[name.lower()]
        out.append(row)
    planted = pa.Table.from_pylist(out, schema=tbl.schema)
    merged = pa.concat_tables([tbl, planted])
    subject = merged.column(names.index("subject_id")).to_numpy()
    position = np.arange(len(subject))
    return merged.take(pa.array(np.lexsort((position, subject))))
