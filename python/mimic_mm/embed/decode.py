"""JPEG decoding for the image embeddings, batch by batch, in worker processes that run ahead of the model.

Each batch is decoded with mimic_mm.cxr_image.load_imcxr (the pickles' `imcxr` pixels); the caller normalizes
with torchxrayvision's own `normalize(img, 255)` (`normalize` below), as HAIM does before its model, so the
workers never import torch. At most `ahead` batches are in flight, so memory stays bounded however many images
there are.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from mimic_mm.cxr_image import IMAGE_SHAPE, load_imcxr

Item = tuple[str, str | None]  # (dicom_id, jpg path or None)


@dataclass
class DecodedBatch:
    ids: list[str]
    images: np.ndarray  # (n, 224, 224) uint8, the imcxr arrays
    problems: dict[str, str] = field(default_factory=dict)  # dicom_id -> why it was not decoded


def normalize(images: np.ndarray) -> np.ndarray:
    """torchxrayvision's normalize(img, 255) on a stack: elementwise, so the same floats as per image."""
    import torchxrayvision as xrv

    return xrv.datasets.normalize(images, 255)


def decode_batch(items: list[Item], fast: bool = False) -> DecodedBatch:
    ids: list[str] = []
    arrays: list[np.ndarray] = []
    problems: dict[str, str] = {}
    for dicom_id, path in items:
        arr, problem = load_imcxr(path, fast=fast)
        if arr is None:
            problems[dicom_id] = problem or "not decoded"
        else:
            ids.append(dicom_id)
            arrays.append(arr)
    stack = np.stack(arrays) if arrays else np.zeros((0, *IMAGE_SHAPE), dtype=np.uint8)
    return DecodedBatch(ids, stack, problems)


def _quiet_worker() -> None:
    """One thread per decode worker: the workers are the parallelism; OpenCV's own pool would oversubscribe
    the cores the model needs."""
    import cv2

    cv2.setNumThreads(1)


def decoded_batches(
    batches: Iterable[list[Item]], workers: int, fast: bool = False, ahead: int | None = None
) -> Iterator[DecodedBatch]:
    """Decoded batches in input order. workers=0 decodes in this process; otherwise a pool of `workers`
    processes (forkserver: clean processes that never inherit the model's threads) keeps up to `ahead`
    batches (default 2 per worker) decoding while the caller runs the model on the previous one."""
    if workers <= 0:
        for batch in batches:
            yield decode_batch(batch, fast)
        return
    limit = ahead or 2 * workers
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(workers, initializer=_quiet_worker) as pool:
        pending: deque[Any] = deque()
        for batch in batches:
            pending.append(pool.apply_async(decode_batch, (batch, fast)))
            if len(pending) >= limit:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
