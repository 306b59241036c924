"""Device and numeric precision of a model run: full float32 unless the user asks for less."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

PRECISIONS = ("float32", "tf32", "bf16", "fp16")
DEVICES = ("auto", "cpu", "cuda")


class DeviceError(RuntimeError):
    pass


def resolve_device(name: str) -> Any:
    """torch.device for `auto` (CUDA when there is a GPU), `cpu` or `cuda`."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise DeviceError("--device cuda: torch sees no CUDA GPU here (use --device cpu or auto)")
    return torch.device(name)


def set_matmul_precision(device: Any, precision: str) -> None:
    """float32 means IEEE float32 in every matmul and convolution: cuDNN would otherwise run convolutions in
    TF32 on Ampere and later GPUs (its default), which changes the last ~3 significant digits."""
    import torch

    if device.type != "cuda":
        return
    tf32 = precision == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    torch.backends.cudnn.benchmark = True  # fixed input shapes: let cuDNN pick its fastest exact algorithm


@contextlib.contextmanager
def autocast(device: Any, precision: str) -> Iterator[None]:
    """Mixed precision for the model body when asked (bf16/fp16); a no-op for float32 and tf32."""
    import torch

    if precision in ("bf16", "fp16"):
        dtype = torch.bfloat16 if precision == "bf16" else torch.float16
        with torch.autocast(device_type=device.type, dtype=dtype):
            yield
    else:
        yield
