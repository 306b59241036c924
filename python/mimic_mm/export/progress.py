"""Progress bars on stderr and the end-of-run summary table."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any, TextIO

from tqdm import tqdm


def progress_bar(iterable: Iterable[Any] | None = None, **kwargs: Any) -> tqdm:
    """A tqdm bar on stderr (stdout stays for the summary); `total`, `desc`, `unit` as in tqdm."""
    kwargs.setdefault("file", sys.stderr)
    kwargs.setdefault("mininterval", 0.5)
    kwargs.setdefault("dynamic_ncols", True)
    kwargs.setdefault("smoothing", 0.1)
    return tqdm(iterable, **kwargs)


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(n) < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


class Summary:
    """Named counters printed as one aligned table at the end of a run."""

    def __init__(self, title: str):
        self.title = title
        self.values: dict[str, Any] = {}

    def add(self, name: str, value: Any) -> None:
        """Set a line (a count, a figure or a short text)."""
        self.values[name] = value

    def inc(self, name: str, n: int = 1) -> None:
        self.values[name] = self.values.get(name, 0) + n

    def update(self, counts: dict[str, int], prefix: str = "") -> None:
        for name, n in counts.items():
            self.inc(prefix + name, n)

    def lines(self) -> list[str]:
        width = max((len(k) for k in self.values), default=0)
        out = [self.title, "-" * max(len(self.title), width + 14)]
        for name, value in self.values.items():
            shown = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
            out.append(f"{name:<{width}}  {shown:>12}")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def print(self, file: TextIO | None = None) -> None:
        print(str(self), file=file or sys.stdout, flush=True)
