"""HAIM's split of a note into chunks a BERT can take, and the cases where HAIM's note embedding fails.

HAIM (split_note_document): a text of at most 510 word pieces is one chunk. A longer one is split on "\\n";
lines are gathered (joined by a space) while the running word-piece count stays <= 510; a line that would
overflow closes the chunk before it (the empty string when it is the first line) and opens the next; the
last open chunk is dropped. A chunk is then embedded alone, with [CLS] and [SEP]; one of more than the model's
512 positions makes the model raise, which HAIM catches for the whole row: the note is `failed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

MAX_PIECES = 510  # word pieces per chunk without [CLS]/[SEP]


def split_note(text: str, count: Callable[[str], int], limit: int = MAX_PIECES) -> list[str]:
    """HAIM's chunks of `text`; `count` gives the word pieces of a string (the tokenizer's tokenize)."""
    if count(text) <= limit:
        return [text]
    lines = text.split("\n")
    chunks: list[str] = []
    start = running = 0
    for i, line in enumerate(lines):
        n = count(line)
        if running + n > limit:
            chunks.append(" ".join(lines[start:i]))
            start, running = i, n
        else:
            running += n
    return chunks  # lines[start:] is the open chunk: HAIM drops it


@dataclass
class NoteChunks:
    """A note ready to embed: its chunks' token ids, or why it fails in HAIM."""

    note_id: str
    ids: list[list[int]] = field(default_factory=list)
    failed: str | None = None  # reason, when HAIM's embedding of this note raises


def prepare_note(
    note_id: str,
    text: object,
    count: Callable[[str], int],
    encode: Callable[[str], list[int]],
    max_positions: int,
) -> NoteChunks:
    """Chunks of one note as token ids with [CLS]/[SEP] (HAIM's tokenizer call), or a failed note: text that
    is not a string (NULL), or a chunk longer than the model's positions."""
    if not isinstance(text, str):
        return NoteChunks(note_id, failed="text is not a string (NULL)")
    ids = [encode(chunk) for chunk in split_note(text, count)]
    too_long = [len(x) for x in ids if len(x) > max_positions]
    if too_long:
        return NoteChunks(note_id, failed=f"a chunk of {too_long[0]} tokens > {max_positions} positions")
    return NoteChunks(note_id, ids)
