"""SQL building blocks: published column names over warehouse relations, CSV-friendly value rendering."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mimic_mm.releases import snake
from mimic_mm.sql_quote import quote_ident

# Name of the registered Arrow table holding the subjects to export (one column, subject_id).
SUBJECTS = "_eye_subjects"


class ContractError(RuntimeError):
    """The warehouse lacks a relation or column the MIMIC-Eye layout needs."""


def resolve(columns: dict[str, str], name: str, relation: str) -> str:
    """The relation's column for a published name: the name itself (marts), its staging spelling, or either
    in another letter case (DuckDB identifiers are case-insensitive; a model may lower-case an alias)."""
    for candidate in (name, snake(name)):
        if candidate in columns:
            return candidate
    folded = {c.lower(): c for c in columns}
    for candidate in (name.lower(), snake(name)):
        if candidate in folded:
            return folded[candidate]
    raise ContractError(f"{relation} has no column {name!r} (nor {snake(name)!r})")


# Derived image times carry sub-second precision: always written with 6 digits, so that a column never mixes
# `…:00` and `…:56.875` (pandas infers one format per column and would refuse the mix).
FRACTION_COLUMNS = frozenset({"StudyDateTime"})


def render(expr: str, duck_type: str, name: str = "") -> str:
    """Render a value the way the published CSVs spell it: MIMIC times as in the release files
    (`2180-05-06 19:17:00`), derived image times with microseconds, booleans as pandas writes them
    (`True`/`False`)."""
    if duck_type.startswith("TIMESTAMP") and name in FRACTION_COLUMNS:
        return f"strftime({expr}, '%Y-%m-%d %H:%M:%S.%f')"
    if duck_type.startswith("TIMESTAMP") or duck_type == "DATE":
        return f"CAST({expr} AS VARCHAR)"
    if duck_type == "BOOLEAN":
        return f"CASE WHEN {expr} THEN 'True' WHEN NOT {expr} THEN 'False' END"
    return expr


def select_list(
    columns: dict[str, str], wanted: Iterable[str], relation: str, alias: str, optional: bool = False
) -> tuple[list[str], list[str]]:
    """`alias.src AS "Published"` items for each wanted published column, and the names actually selected.

    With optional=True, columns the relation lacks are skipped (a release without them), otherwise an error.
    """
    items, names = [], []
    for name in wanted:
        try:
            src = resolve(columns, name, relation)
        except ContractError:
            if optional:
                continue
            raise
        items.append(f"{render(f'{alias}.{quote_ident(src)}', columns[src], name)} AS {quote_ident(name)}")
        names.append(name)
    return items, names


def subject_query(
    items: Sequence[str],
    names: Sequence[str],
    from_clause: str,
    subject_expr: str,
    order: Sequence[str] | None = None,
    where: str = "",
) -> str:
    """Rows of the selected subjects, ordered by subject then `order` (default: every selected column), so
    that the output is the same on every run (an interrupted export resumes to identical files)."""
    select = list(items) if "subject_id" in names else [f"{subject_expr} AS subject_id", *items]
    if order is None:
        order = [str(i) for i in range(1, len(select) + 1)]
    cond = f"{subject_expr} IN (SELECT subject_id FROM {SUBJECTS})" + (f" AND ({where})" if where else "")
    return (
        f"SELECT {', '.join(select)} FROM {from_clause} WHERE {cond} "
        f"ORDER BY {', '.join([subject_expr, *order])}"
    )
