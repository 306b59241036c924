"""The HAIM attribute table (attributes.tsv): relation, rows, join and time column of each attribute."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mimic_mm.haim_patient import ATTRIBUTES

KINDS = {"table", "core", "images", "empty"}
LEVELS = {"", "subject", "hadm", "stay", "stay_time"}
# Columns the cxr mart carries for the exporter only (a machine-specific path), not written to the pickle.
CXR_PRIVATE = ("jpg_path",)


@dataclass(frozen=True)
class Attribute:
    name: str
    kind: str
    relations: tuple[str, ...]
    dictionary: str
    level: str
    time: str
    order: tuple[str, ...]
    derived: tuple[str, ...] = ()  # appended by the exporter, per sample
    project: tuple[str, ...] = ()  # relation columns beyond the reference's, written last


DERIVED = {"deltacharttime", "stay_id"}


def _names(field: str) -> tuple[str, ...]:
    return tuple(c for c in field.split(",") if c)


@cache
def attributes() -> tuple[Attribute, ...]:
    text = resources.files("mimic_mm.export.haim").joinpath("attributes.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader((line for line in text.splitlines() if not line.startswith("#")), delimiter="\t")
    out = tuple(
        Attribute(
            r["attribute"],
            r["kind"],
            tuple(r["relations"].split()),
            r["dictionary"],
            r["level"],
            r["time"],
            _names(r["order"]),
            _names(r["derived"]),
            _names(r["project"]),
        )
        for r in rows
    )
    names = tuple(a.name for a in out)
    if names != ATTRIBUTES:
        raise ValueError("attributes.tsv does not list the 29 Patient_ICU attributes in order")
    for a in out:
        if a.kind not in KINDS or a.level not in LEVELS:
            raise ValueError(f"attributes.tsv, {a.name}: unknown kind {a.kind!r} or level {a.level!r}")
        if not set(a.derived) <= DERIVED:
            raise ValueError(f"attributes.tsv, {a.name}: unknown derived columns {a.derived}")
    return out


def streamed_relations() -> dict[str, Attribute]:
    """Each relation read once (the first attribute that names it defines its join and order)."""
    out: dict[str, Attribute] = {}
    for a in attributes():
        if a.kind in ("table", "core"):
            for rel in a.relations:
                out.setdefault(rel, a)
    return out
