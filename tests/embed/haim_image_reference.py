"""HAIM's per-image procedure, written independently of mimic_mm.embed from HAIM's code as the SPEC
describes it: OpenCV decode and resize, torchxrayvision normalize, HAIM's INTER_AREA resize to the same
size, a model of its own, then two forward passes: features -> relu -> average pool (vd), and the whole
model (vp)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

TOLERANCE_REL, TOLERANCE_ABS = 1e-4, 1e-6


def haim_model(state_dict_file: Path):  # type: ignore[no-untyped-def]
    """As `xrv.models.DenseNet(weights=NAME)` gives it: weights loaded, eval mode, the weights' operating
    thresholds (the stand-ins store them in the state_dict) set on the model."""
    import torch
    import torchxrayvision as xrv

    state = torch.load(state_dict_file, map_location="cpu", weights_only=True)
    op_threshs = state.pop("op_threshs", None)
    model = xrv.models.DenseNet(weights=None)
    model.load_state_dict(state)
    model.op_threshs = op_threshs
    return model.eval()


def haim_pixels(path: str) -> np.ndarray:
    return cv2.resize(cv2.imread(path, cv2.IMREAD_GRAYSCALE), (224, 224))


def haim_vectors(model, img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # type: ignore[no-untyped-def]
    import torch
    import torch.nn.functional as F
    import torchxrayvision as xrv

    x = xrv.datasets.normalize(img, 255)
    x = cv2.resize(x, (224, 224), interpolation=cv2.INTER_AREA)[None, :, :]
    with torch.no_grad():
        t = torch.from_numpy(x).unsqueeze(0)
        feats = F.adaptive_avg_pool2d(F.relu(model.features(t)), (1, 1))
        vd = feats.numpy().reshape(-1)
        vp = model(t)[0].numpy()
    return vd, vp


def close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The SPEC's tolerance for float32 model outputs: |a-b| <= 1e-4 max(|a|,|b|) + 1e-6, elementwise."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.abs(a - b) <= TOLERANCE_REL * np.maximum(np.abs(a), np.abs(b)) + TOLERANCE_ABS
