"""The lake folder of one kind of vectors: Parquet parts written atomically plus `_manifest.json`.

Layout (the storage contract the dbt sources read): `FOLDER/part-<fingerprint[:12]>-<seq>.parquet` and
`FOLDER/_manifest.json`. The manifest's fingerprint fields (model hash, precision, ...) say which model made
every part; a run with the same fingerprint resumes (ids already in finished parts are skipped), a run with
another one removes every part and starts over, so vectors of two models are never mixed. A part is the unit
of progress: it is written under a temporary name and renamed, so an interrupted run leaves only whole parts.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from mimic_mm.atomic_fs import atomic_file, remove_stale_temps
from mimic_mm.private_fs import FILE_MODE, make_private_dirs

log = logging.getLogger(__name__)

MANIFEST = "_manifest.json"
LOCK = ".lock"


class StoreBusy(RuntimeError):
    """Another run holds the folder."""


class VectorStore:
    """Parts and manifest of one vector folder. Use as a context manager (it holds a lock on the folder)."""

    def __init__(
        self,
        folder: Path,
        id_column: str,
        fingerprint: dict[str, Any],
        info: dict[str, Any],
        ids_key: str | None = None,
    ):
        self.folder = folder
        self.id_column = id_column
        self.ids_key = ids_key  # manifest key for the number of distinct ids, when rows are not ids
        self.fingerprint = fingerprint  # fields that must match for old parts to be kept
        self.info = info  # other manifest fields (names, paths), rewritten as given
        self.tag = str(next(v for k, v in fingerprint.items() if k.endswith("sha256")))[:12]
        self.done: set[str] = set()
        self.rows = 0
        self.extra: dict[str, Any] = {}  # counters the caller keeps in the manifest (e.g. skipped images)
        self.replaced = False  # old parts of another model were removed
        self.up_to_date = False  # the manifest said complete with this fingerprint
        self._seq = 0
        self._lock: Any = None

    def __enter__(self) -> VectorStore:
        make_private_dirs(self.folder)
        # held until __exit__; owner-only like every file of the lake
        self._lock = os.fdopen(os.open(self.folder / LOCK, os.O_WRONLY | os.O_CREAT, FILE_MODE), "w")
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            raise StoreBusy(f"another run is writing {self.folder}; wait for it to end") from None
        self._open()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    # -- reading the folder -------------------------------------------------------------------------------
    def parts(self) -> list[Path]:
        return sorted(self.folder.glob("part-*.parquet"))

    def manifest(self) -> dict[str, Any] | None:
        path = self.folder / MANIFEST
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("%s is unreadable (%s): its parts are rebuilt", path, exc)
            return None
        return data if isinstance(data, dict) else None

    def _open(self) -> None:
        remove_stale_temps(self.folder, recursive=False)  # temporary parts of an interrupted run
        old = self.manifest()
        same = old is not None and all(old.get(k) == v for k, v in self.fingerprint.items())
        parts = self.parts()
        mine = [p for p in parts if p.name.startswith(f"part-{self.tag}-")]
        if not same or len(mine) != len(parts):
            stale = parts if not same else [p for p in parts if p not in mine]
            if stale or old is not None:
                self.replaced = old is not None and not same
                log.info("removing %d part(s) of another model from %s", len(stale), self.folder)
            # parts first, manifest last: a crash in between leaves the old manifest, and the next run of
            # either model still sees which parts are whose
            for p in stale:
                p.unlink()
            if not same:
                (self.folder / MANIFEST).unlink(missing_ok=True)
                mine = []
        if same and old is not None:
            self.extra = {k: v for k, v in old.items() if k not in self.fingerprint and k not in self.info}
            for key in ("complete", "rows", self.ids_key):
                self.extra.pop(key or "", None)
            self.up_to_date = bool(old.get("complete"))
        for p in mine:
            ids = pq.read_table(p, columns=[self.id_column]).column(0).to_pylist()
            self.done.update(str(i) for i in ids)
            self.rows += len(ids)
            self._seq = max(self._seq, int(p.stem.rsplit("-", 1)[1]) + 1)
        self.write_manifest(complete=False if not same else bool(old and old.get("complete")))

    # -- writing --------------------------------------------------------------------------------------------
    def write_part(self, table: pa.Table) -> Path:
        """Write `table` as the next part (temporary name, then rename) and count it in the manifest."""
        path = self.folder / f"part-{self.tag}-{self._seq:06d}.parquet"
        with atomic_file(path) as tmp:
            pq.write_table(table, tmp, compression="zstd")
        self._seq += 1
        self.rows += table.num_rows
        self.done.update(str(i) for i in table.column(self.id_column).to_pylist())
        self.write_manifest(complete=False)
        return path

    def write_manifest(self, complete: bool) -> None:
        data = {**self.fingerprint, **self.info, **self.extra, "rows": self.rows}
        if self.ids_key:
            data[self.ids_key] = len(self.done)
        data["complete"] = complete
        with atomic_file(self.folder / MANIFEST) as tmp:
            tmp.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n", encoding="utf-8")


def float_lists(matrix: Any, valid: Any = None) -> pa.Array:
    """A (n, k) float array as a LIST<FLOAT32> column without a Python loop; rows where the boolean array
    `valid` is false become NULL."""
    import numpy as np

    values = np.ascontiguousarray(matrix, dtype=np.float32)
    n, k = values.shape
    offsets = pa.array(np.arange(0, (n + 1) * k, k, dtype=np.int32))
    mask = None if valid is None else pa.array(~np.asarray(valid, dtype=bool))
    return pa.ListArray.from_arrays(
        offsets, pa.array(values.reshape(-1)), type=pa.list_(pa.float32()), mask=mask
    )
