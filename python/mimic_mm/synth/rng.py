"""Independent, reproducible random streams: one per (seed, purpose), so work can run in any process order."""

from __future__ import annotations

import hashlib

import numpy as np


def stream(seed: int, *purpose: object) -> np.random.Generator:
    digest = hashlib.sha256(repr((seed, *purpose)).encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "little"))
