"""Which subjects an export handles: an explicit list, a shard of the cohort, a limit."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

log = logging.getLogger("mimic_mm.export")


class Shard(NamedTuple):
    # `index`/`count` shadow tuple methods, but exporters already use these names
    index: int  # type: ignore[assignment]  # 1-based: shard K of N
    count: int  # type: ignore[assignment]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, subject_id: int) -> bool:
        # Modulo rather than ranges: every shard gets a similar share whatever subset is chosen.
        return subject_id % self.count == self.index - 1


def _parse_ids(text: str, origin: str) -> set[int]:
    ids: set[int] = set()
    for lineno, line in enumerate(text.splitlines(), start=1):
        line = line.split("#", 1)[0]
        for token in line.replace(",", " ").split():
            if token.lower() == "subject_id":  # a CSV header line
                continue
            try:
                ids.add(int(token))
            except ValueError:
                raise ValueError(f"{origin}, line {lineno}: {token!r} is not a subject_id") from None
    return ids


def parse_subjects(arg: str | None) -> set[int] | None:
    """`--subjects`: None (everyone), a comma list `10000032,10000980`, or a file of ids (`@ids.txt` or a path
    to an existing file) with one or more ids per line, `#` comments and an optional `subject_id` header."""
    if arg is None or arg == "":
        return None
    if re.fullmatch(r"[\d,\s]+", arg):  # a list, however long (is_file() fails on names over 255 bytes)
        return _parse_ids(arg, "--subjects")
    path = Path(arg[1:]) if arg.startswith("@") else Path(arg)
    if arg.startswith("@") or path.is_file():
        if not path.is_file():
            raise ValueError(f"--subjects file {path} does not exist")
        return _parse_ids(path.read_text(encoding="utf-8"), str(path))
    return _parse_ids(arg, "--subjects")


def parse_shard(arg: str | None) -> Shard | None:
    """`--shard K/N` (1 ≤ K ≤ N): shard K of N; None when not given."""
    if arg is None or arg == "":
        return None
    try:
        k, n = (int(x) for x in arg.split("/"))
    except ValueError:
        raise ValueError(f"--shard {arg!r}: expected K/N, for example 1/4") from None
    if not 1 <= k <= n:
        raise ValueError(f"--shard {arg!r}: K must be between 1 and N")
    return Shard(k, n)


def select_subjects(
    all_ids: Iterable[int], subjects: set[int] | None, shard: Shard | None, limit: int | None
) -> list[int]:
    """The subjects to export, ascending: the cohort ∩ `subjects`, then this shard's share, then the first
    `limit`. Requested ids outside the cohort are logged (count only), not an error: a subject list is often
    written for another cohort."""
    cohort = sorted(set(all_ids))
    chosen = cohort
    if subjects is not None:
        chosen = [s for s in cohort if s in subjects]
        missing = len(subjects) - len(chosen)
        if missing:
            log.warning("%d requested subject_ids are not in the cohort and are skipped", missing)
    if shard is not None:
        chosen = [s for s in chosen if shard.holds(s)]
    if limit is not None:
        if limit < 0:
            raise ValueError("--limit must be ≥ 0")
        chosen = chosen[:limit]
    return chosen
