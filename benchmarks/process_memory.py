"""Peak resident memory of a process tree, for the benchmarks' memory targets."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil


class PeakRss:
    """Samples the summed RSS of a process and all its descendants in a background thread; `peak` is the
    largest sum seen. Use as a context manager around the work; `pid=None` watches this process."""

    def __init__(self, pid: int | None = None, interval: float = 0.05) -> None:
        self.peak = 0
        self._proc = psutil.Process(pid)
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        total = 0
        with contextlib.suppress(psutil.Error):  # the root process may already be gone
            for p in [self._proc, *self._proc.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a child may exit between listing and reading
                    total += p.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_measured(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Run a command; return (seconds, peak resident bytes of it and its children), sampled every 0.1 s. A
    failure prints the end of its output and stops the benchmark."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    with PeakRss(proc.pid, interval=0.1) as memory:
        output, _ = proc.communicate()
    if proc.returncode != 0:
        sys.stderr.write(output[-5000:])
        raise SystemExit(f"{' '.join(args[:3])} failed with exit code {proc.returncode}")
    return time.perf_counter() - start, memory.peak
