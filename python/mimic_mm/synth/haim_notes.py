"""Planted radiology notes for HAIM's note embeddings (`n_rad_*` of marts.haim_fusion).

A planted subject with `radiology_notes` set (a list, possibly empty) gets exactly those notes in
MIMIC-IV-Note `radiology` instead of the generated ones, appended after the chunk's other rows in the given
order (HAIM reads a stay's notes in file order); its generated `radiology_detail` rows go with them. The texts
are built from ordinary English words so that any BERT word-piece vocabulary gives at least one piece per
word: a note of more than 510 words is over HAIM's 510-piece limit whatever the tokenizer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from mimic_mm.synth.model import Subject

WORDS = ("the", "lung", "is", "clear", "and", "there", "no", "focal", "change", "in", "heart", "size", "with",
         "mild", "left", "base", "right", "upper", "lobe", "stable")  # fmt: skip
NOTE_SEQ_BASE = 900  # planted note_ids `<subject>-RR-<900 + k>`: beyond the generated ones of any subject


@dataclass(frozen=True)
class PlantedNote:
    hadm_id: int
    time: datetime
    text: str


def note_id(subject_id: int, k: int) -> str:
    """The note_id of the subject's k-th planted note."""
    return f"{subject_id}-RR-{NOTE_SEQ_BASE + k}"


def words(n: int, start: int = 0) -> str:
    """`n` ordinary words separated by spaces."""
    return " ".join(WORDS[(start + k) % len(WORDS)] for k in range(n))


def lines(n_lines: int, words_per_line: int) -> str:
    """`n_lines` lines of ordinary words joined by newlines (HAIM splits long notes on them)."""
    return "\n".join(words(words_per_line, k) for k in range(n_lines))


def planted_subjects(subjects: list[Subject]) -> set[int]:
    return {s.subject_id for s in subjects if s.radiology_notes is not None}


def finish_chunk(
    table: str, tbl: pa.Table, subjects: list[Subject], subject_range: tuple[int, int]
) -> pa.Table:
    """The radiology (or radiology_detail) chunk with the planted subjects' generated rows dropped and, for
    radiology, their planted notes appended (subjects whose ids lie in the chunk's [lo, hi) range)."""
    planted = planted_subjects(subjects)
    if table not in ("radiology", "radiology_detail") or not planted:
        return tbl
    if tbl.num_rows:
        keep = pc.invert(
            pc.is_in(tbl.column("subject_id"), pa.array(sorted(planted), tbl.schema.field("subject_id").type))
        )
        tbl = tbl.filter(keep)
    if table == "radiology_detail":
        return tbl
    lo, hi = subject_range
    rows = []
    for s in subjects:
        if s.radiology_notes is None or not lo <= s.subject_id < hi:
            continue
        for k, note in enumerate(s.radiology_notes):
            rows.append(
                {
                    "note_id": note_id(s.subject_id, k),
                    "subject_id": s.subject_id,
                    "hadm_id": note.hadm_id,
                    "note_type": "RR",
                    "note_seq": NOTE_SEQ_BASE + k,
                    "charttime": note.time,
                    "storetime": note.time + timedelta(hours=1),
                    "text": note.text,
                }
            )
    if not rows:
        return tbl
    names = {n.lower(): n for n in tbl.column_names}
    missing = set(rows[0]) - set(names)
    if missing:
        raise KeyError(f"radiology: planted notes need the columns {sorted(missing)}")
    planted_tbl = pa.Table.from_pylist(
        [
            {names[k]: v for k, v in r.items()} | {n: None for n in tbl.column_names if n.lower() not in r}
            for r in rows
        ],
        schema=tbl.schema,
    )
    return pa.concat_tables([tbl, planted_tbl])
