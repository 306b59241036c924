"""`embed images`: vd/vp of every image of the HAIM cohort into LAKE/embeddings/image_vectors/.

The work list (dicom_id, path) comes from the warehouse; ids already in finished parts of the same weights are
skipped. Batches are decoded in worker processes while the model runs on the previous batch; every
`part_size` images become one Parquet part (written atomically), so an interrupted run loses at most one part.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from mimic_mm.embed import source
from mimic_mm.embed.decode import Item, decoded_batches, normalize
from mimic_mm.embed.device import resolve_device
from mimic_mm.embed.image_model import ImageEmbedder, Weights, load_densenet
from mimic_mm.embed.store import VectorStore, float_lists
from mimic_mm.export.progress import Summary, progress_bar
from mimic_mm.export.warehouse import connect

log = logging.getLogger(__name__)

MODEL = "torchxrayvision.DenseNet121"


@dataclass(frozen=True)
class ImageRun:
    db: Path
    lake: Path
    weights: Weights
    device: str = "auto"
    precision: str = "float32"
    batch_size: int = 32
    workers: int = 2
    part_size: int = 1024
    all_images: bool = False
    fast_decode: bool = False
    retry_skipped: bool = False

    @property
    def folder(self) -> Path:
        return self.lake / "embeddings" / "image_vectors"


def _work_list(run: ImageRun, store: VectorStore, skipped: dict[str, str]) -> tuple[list[Item], int]:
    """(images still to embed, images wanted). Only ids and paths are held, not image data."""
    todo: list[Item] = []
    wanted = 0
    sql = (source.ALL_IMAGES if run.all_images else source.IMAGES) + source.IMAGE_ORDER
    con = connect(run.db)
    try:
        for chunk in source.fetch(con, sql):
            for dicom_id, path in chunk:
                wanted += 1
                if dicom_id in store.done or (dicom_id in skipped and not run.retry_skipped):
                    continue
                todo.append((str(dicom_id), path))
    finally:
        con.close()
    return todo, wanted


def _batches(items: list[Item], size: int) -> Iterator[list[Item]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def image_table(ids: list[str], vd: np.ndarray, vp: np.ndarray) -> pa.Table:
    return pa.table({"dicom_id": pa.array(ids, pa.string()), "vd": float_lists(vd), "vp": float_lists(vp)})


def run_images(run: ImageRun) -> Summary:
    started = time.perf_counter()
    summary = Summary("embed images")
    connect(run.db).close()  # a missing or locked warehouse stops us before the lake is touched
    sha = run.weights.sha256
    fingerprint = {
        "kind": "image_vectors",
        "model": MODEL,
        "weights_sha256": sha,
        "precision": run.precision,
        "decode": "pil-draft" if run.fast_decode else "opencv",
    }
    with VectorStore(run.folder, "dicom_id", fingerprint, {"weights": run.weights.label}) as store:
        skipped: dict[str, str] = dict(store.extra.get("skipped") or {})
        todo, wanted = _work_list(run, store, skipped)
        summary.add("images wanted", wanted)
        summary.add("already embedded", len(store.done))
        if store.replaced:
            summary.add("old vectors replaced", "yes (other weights, precision or decode)")
        if not todo:
            store.extra["skipped"] = skipped
            store.write_manifest(complete=True)
            summary.add("status", "up to date: nothing to do")
            _finish(summary, store, sha, run, skipped, 0, started)
            return summary
        if run.retry_skipped:
            for dicom_id, _ in todo:
                skipped.pop(dicom_id, None)
        device = resolve_device(run.device)
        log.info("loading %s weights %s on %s", MODEL, run.weights.label, device)
        embedder = ImageEmbedder(load_densenet(run.weights), device, run.precision)
        buffer: list[tuple[list[str], np.ndarray, np.ndarray]] = []
        buffered = embedded = 0

        def flush() -> None:
            nonlocal buffer, buffered
            if buffer:
                ids = [i for part in buffer for i in part[0]]
                store.extra["skipped"] = skipped
                store.write_part(image_table(ids, np.concatenate([b[1] for b in buffer]),
                                             np.concatenate([b[2] for b in buffer])))  # fmt: skip
            buffer, buffered = [], 0

        bar = progress_bar(total=len(todo), desc="images", unit="img")
        try:
            for batch in decoded_batches(_batches(todo, run.batch_size), run.workers, run.fast_decode):
                skipped.update(batch.problems)
                if batch.ids:
                    vd, vp = embedder(normalize(batch.images))
                    buffer.append((batch.ids, vd, vp))
                    buffered += len(batch.ids)
                    embedded += len(batch.ids)
                if buffered >= run.part_size:
                    flush()
                bar.update(len(batch.ids) + len(batch.problems))
        except KeyboardInterrupt:
            flush()  # keep what is computed; the rerun resumes after it
            raise
        finally:
            bar.close()
        flush()
        store.extra["skipped"] = skipped
        store.write_manifest(complete=True)
        summary.add("embedded now", embedded)
        _finish(summary, store, sha, run, skipped, embedded, started, device=str(device))
    return summary


def _finish(
    summary: Summary,
    store: VectorStore,
    sha: str,
    run: ImageRun,
    skipped: dict[str, str],
    embedded: int,
    started: float,
    device: str = "-",
) -> None:
    elapsed = time.perf_counter() - started
    summary.add("skipped (missing or unreadable file)", len(skipped))
    summary.add("rows in lake", store.rows)
    summary.add("device / precision", f"{device} / {run.precision}")
    summary.add("weights sha256", sha[:16] + "…")
    summary.add("seconds", f"{elapsed:.1f}")
    if embedded:
        summary.add("images per second", f"{embedded / elapsed:.2f}")
    summary.add("folder", str(store.folder))
    for dicom_id, problem in sorted(skipped.items())[:5]:
        log.warning("skipped %s: %s", dicom_id, problem)
    if len(skipped) > 5:
        log.warning(
            "... and %d more skipped images (listed in %s)", len(skipped) - 5, store.folder / "_manifest.json"
        )
