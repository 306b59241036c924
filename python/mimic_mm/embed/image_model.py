"""torchxrayvision's DenseNet121 from a local weights file (never downloaded) and HAIM's two image vectors
from one features pass: vd = adaptive_avg_pool2d(relu(features(x)), 1), vp = the model's classifier and its
own output transform applied to that same vd, which is what `model(x)` computes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from mimic_mm.embed.device import autocast, set_matmul_precision
from mimic_mm.embed.fingerprint import file_sha256

HAIM_WEIGHTS = "densenet121-res224-chex"


class WeightsError(RuntimeError):
    """Weights missing, unknown or unreadable (the message names the file)."""


@dataclass(frozen=True)
class Weights:
    label: str  # the weight name, or the file path as given
    path: Path
    name: str | None  # torchxrayvision weight name, None for a state_dict file

    @property
    def sha256(self) -> str:
        return file_sha256(self.path)


def densenet_weight_names() -> list[str]:
    import torchxrayvision as xrv

    return sorted(k for k in xrv.models.model_urls if k.startswith("densenet"))


def named_weights(name: str, weights_dir: str | os.PathLike[str] | None) -> Weights:
    """The file torchxrayvision would load for `name` (its cache folder, or `weights_dir`); an error naming
    the expected path when it is not there, so torchxrayvision never starts a download."""
    import torchxrayvision as xrv

    names = densenet_weight_names()
    if name not in names:
        raise WeightsError(
            f"unknown DenseNet weight name {name!r}; torchxrayvision knows: {', '.join(names)}"
        )
    url = xrv.models.model_urls[name]["weights_url"]
    folder = Path(os.path.expanduser(weights_dir)) if weights_dir else Path(xrv.utils.get_cache_dir())
    path = folder / os.path.basename(url)
    if not path.is_file():
        raise WeightsError(
            f"weights file not found: {path}\n"
            f"  nothing is downloaded: fetch {url} yourself and save it as {path}\n"
            f"  (or put it in another folder and pass --weights-dir FOLDER, or pass --weights-file FILE "
            f"with a state_dict of xrv.models.DenseNet(weights=None))"
        )
    return Weights(name, path, name)


def file_weights(path: str | os.PathLike[str]) -> Weights:
    p = Path(path)
    if not p.is_file():
        raise WeightsError(
            f"weights file not found: {p} (--weights-file takes a torch.save'd state_dict of "
            f"xrv.models.DenseNet(weights=None))"
        )
    return Weights(str(path), p, None)


def load_densenet(weights: Weights) -> Any:
    """The model in eval mode. A named weight is loaded by torchxrayvision itself from the file found above
    (with its op_threshs output transform); a state_dict file into DenseNet(weights=None), with an
    `op_threshs` entry, when present, restored as the same output transform."""
    import torch
    import torchxrayvision as xrv

    if weights.name is not None:
        model = xrv.models.DenseNet(weights=weights.name, cache_dir=str(weights.path.parent))
        return model.eval()
    try:
        state = torch.load(weights.path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise WeightsError(
            f"{weights.path} is not a readable torch state_dict ({type(exc).__name__})"
        ) from exc
    if not isinstance(state, dict):
        raise WeightsError(f"{weights.path} holds a {type(state).__name__}, not a state_dict")
    state = dict(state)
    op_threshs = state.pop("op_threshs", None)  # a None buffer in DenseNet(weights=None): not loadable
    model = xrv.models.DenseNet(weights=None)
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:
        first = str(exc).splitlines()[0]
        raise WeightsError(f"{weights.path} does not fit xrv.models.DenseNet(weights=None): {first}") from exc
    if op_threshs is not None:
        model.op_threshs = op_threshs
    return model.eval()  # DenseNet(weights=None) starts in training mode (batch-norm on batch statistics)


def output_transform(model: Any, logits: Any) -> Any:
    """The tail of xrv DenseNet.forward after its classifier: sigmoid + op_norm when the weights define
    operating thresholds, else a sigmoid when apply_sigmoid, else the logits."""
    import torch
    import torchxrayvision as xrv

    op_threshs = getattr(model, "op_threshs", None)
    if op_threshs is not None:
        return xrv.models.op_norm(torch.sigmoid(logits), op_threshs)
    if getattr(model, "apply_sigmoid", False):
        return torch.sigmoid(logits)
    return logits


class ImageEmbedder:
    """Batched vd/vp of normalized images (n, 224, 224) float32 on one device."""

    def __init__(self, model: Any, device: Any, precision: str = "float32"):
        self.model = model.to(device)
        self.device = device
        self.precision = precision
        set_matmul_precision(device, precision)

    def __call__(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        import torch
        import torch.nn.functional as F

        x = torch.from_numpy(images[:, None, :, :]).to(self.device, non_blocking=True)
        with torch.inference_mode():
            with autocast(self.device, self.precision):
                features = self.model.features(x)
            pooled = F.adaptive_avg_pool2d(F.relu(features.float()), 1).flatten(1)
            # the head in float32 whatever the body ran in: it is tiny, and vp then rounds only once
            vp = output_transform(self.model, self.model.classifier(pooled))
        return pooled.cpu().numpy(), vp.float().cpu().numpy()
