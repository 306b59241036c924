"""Benchmark `python -m mimic_mm.embed images` against HAIM's per-image procedure, on real-size JPEGs.

    python benchmarks/bench_embed.py --workdir /tmp/bench_embed                   # 48 images, CPU
    python benchmarks/bench_embed.py --workdir /tmp/bench_embed --device cuda --images 512 --batch-size 128

Images: --images textured grayscale JPEGs of MIMIC-CXR-JPG's size (2,544 x 3,056 by default), written once
under --workdir (the synthetic release's images are ~70 x 85 px, far too cheap to decode). Weights: a seeded
stand-in DenseNet121 state_dict (the same architecture and cost as HAIM's densenet121-res224-chex), or
--weights-file. Measures, on the same machine and images:
  * HAIM's procedure per image (its notebook's get_chest_xray_embeddings for each image of a row): a new model
    from the weights file, then two forward passes (features -> relu -> pool, then the whole model) on one
    image; --haim-sample images, seconds per image. Per image row HAIM repeats this for every image of the
    stay up to the row's time (>= 1), so the per-image ratio is a lower bound of the per-row gain;
  * decode only: the JPEG decode + resize of mimic_mm.cxr_image in --workers processes, images/s;
  * model only: batched forward passes (one features pass serving vd and vp) on decoded arrays, images/s;
  * ours: the embed pipeline (decoding in workers overlapping the model, batches, Parquet rows), images/s,
    and its ratio to the model-only rate (goal >= 0.7: decoding hidden behind the model);
  * peak RSS of the process tree during ours; the projection for the HAIM cohort's ~45,000 image rows.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "embed"))

import stand_ins  # the tests' seeded stand-in DenseNet121 (same builder, not a copy)

from mimic_mm.cxr_image import load_imcxr
from mimic_mm.embed.decode import decoded_batches, normalize
from mimic_mm.embed.device import resolve_device
from mimic_mm.embed.image_model import ImageEmbedder, file_weights, load_densenet
from mimic_mm.embed.images import image_table
from mimic_mm.export.progress import Summary
from process_memory import PeakRss

COHORT_ROWS = 45_000


def write_jpegs(folder: Path, n: int, size: tuple[int, int], seed: int = 7) -> list[Path]:
    """n textured grayscale JPEGs (smooth anatomy-like fields plus film grain), quality 95, written once."""
    import cv2

    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"img{k:04d}.jpg" for k in range(n)]
    rng = np.random.default_rng(seed)
    h, w = size
    for p in paths:
        if p.exists():
            continue
        coarse = cv2.resize(
            rng.random((h // 64, w // 64)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC
        )
        grain = rng.normal(0, 0.06, (h, w)).astype(np.float32)
        img = np.clip((coarse + grain) * 200 + 20, 0, 255).astype(np.uint8)
        cv2.imwrite(str(p), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
    return paths


def haim_per_image(weights: Path, arrays: list[np.ndarray]) -> float:
    """Seconds per image of HAIM's step: new model, normalize, two forward passes (CPU: HAIM's cuda=False)."""
    import torch
    import torch.nn.functional as F
    import torchxrayvision as xrv

    start = time.perf_counter()
    for arr in arrays:
        state = torch.load(weights, map_location="cpu", weights_only=True)
        op = state.pop("op_threshs", None)
        model = xrv.models.DenseNet(weights=None)
        model.load_state_dict(state)
        model.op_threshs = op
        model.eval()
        x = torch.from_numpy(xrv.datasets.normalize(arr, 255)[None, None])
        with torch.no_grad():
            F.adaptive_avg_pool2d(F.relu(model.features(x)), (1, 1)).numpy().reshape(-1)
            model(x)[0].numpy()
    return (time.perf_counter() - start) / len(arrays)


def deviation(summary: Summary, weights: Path, device, precision: str, stack, batch: int) -> None:  # type: ignore[no-untyped-def]
    """How far --precision moves vd and vp from float32 on the same images and device: the largest
    |a-b| / max|a| over each vector, and the share of values within the SPEC's tolerance."""
    from mimic_mm.embed.device import set_matmul_precision

    reduced = ImageEmbedder(load_densenet(file_weights(weights)), device, precision)
    exact = ImageEmbedder(load_densenet(file_weights(weights)), device, "float32")
    low, ref = [], []
    for k in range(0, len(stack), batch):
        set_matmul_precision(device, precision)
        low.append(reduced(stack[k : k + batch]))
        set_matmul_precision(device, "float32")
        ref.append(exact(stack[k : k + batch]))
    for i, name in enumerate(("vd", "vp")):
        a = np.concatenate([r[i] for r in ref])
        b = np.concatenate([r[i] for r in low])
        rel = float((np.abs(a - b).max(axis=1) / np.abs(a).max(axis=1)).max())
        ok = np.abs(a - b) <= 1e-4 * np.maximum(np.abs(a), np.abs(b)) + 1e-6
        summary.add(f"{precision} vs float32: {name} max |a-b| / max|a|", f"{rel:.2e}")
        summary.add(f"{precision} vs float32: {name} share within SPEC tol.", f"{ok.mean():.3f}")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workdir", type=Path, required=True, help="holds the JPEGs and the stand-in weights")
    p.add_argument("--images", type=int, default=48, help="real-size JPEGs to embed (default 48)")
    p.add_argument("--size", default="2544x3056", help="JPEG width x height (default 2544x3056)")
    p.add_argument(
        "--haim-sample", type=int, default=6, help="images run through HAIM's procedure (default 6)"
    )
    p.add_argument("--weights-file", type=Path, help="DenseNet121 state_dict (default: a seeded stand-in)")
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    p.add_argument("--precision", default="float32", choices=("float32", "tf32", "bf16", "fp16"))
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--workers", type=int, default=2, help="decode processes (default 2)")
    args = p.parse_args()

    import torch

    width, height = (int(v) for v in args.size.lower().split("x"))
    args.workdir.mkdir(parents=True, exist_ok=True)
    weights = args.weights_file or args.workdir / "densenet-standin.pt"
    if not weights.exists():
        stand_ins.densenet_state_dict(weights, seed=1)
    paths = write_jpegs(args.workdir / f"jpeg-{width}x{height}", args.images, (height, width))
    items = [(p.stem, str(p)) for p in paths]
    batches = [items[k : k + args.batch_size] for k in range(0, len(items), args.batch_size)]
    device = resolve_device(args.device)
    summary = Summary(
        f"bench_embed: {len(paths)} JPEGs {width}x{height}, {device}, {torch.get_num_threads()} torch "
        f"threads, batch {args.batch_size}, {args.workers} decode workers"
    )

    arrays = [load_imcxr(p)[0] for p in paths]
    assert all(a is not None for a in arrays)
    haim_s = haim_per_image(weights, arrays[: args.haim_sample])  # type: ignore[arg-type]
    summary.add("HAIM per image: s (new model + 2 forwards, CPU)", f"{haim_s:.3f}")

    start = time.perf_counter()
    n = sum(len(b.ids) for b in decoded_batches(batches, args.workers))
    decode_rate = n / (time.perf_counter() - start)
    summary.add("decode only: images/s", f"{decode_rate:.1f}")

    embedder = ImageEmbedder(load_densenet(file_weights(weights)), device, args.precision)
    stack = normalize(np.stack(arrays))  # type: ignore[arg-type]
    embedder(stack[: args.batch_size])  # warm-up (cuDNN autotune, allocator)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for k in range(0, len(stack), args.batch_size):
        embedder(stack[k : k + args.batch_size])
    model_rate = len(stack) / (time.perf_counter() - start)
    summary.add("model only: images/s (batched, vd+vp)", f"{model_rate:.2f}")
    if args.precision != "float32":
        deviation(summary, weights, device, args.precision, stack, args.batch_size)

    with PeakRss() as rss:
        start = time.perf_counter()
        rows = 0
        for batch in decoded_batches(batches, args.workers):
            vd, vp = embedder(normalize(batch.images))
            rows += image_table(batch.ids, vd, vp).num_rows
        ours = time.perf_counter() - start
    ours_rate = rows / ours
    summary.add("ours: images/s (decode in workers + model)", f"{ours_rate:.2f}")
    summary.add("ours / model-only rate (goal >= 0.7)", f"{ours_rate / model_rate:.2f}")
    summary.add("ours / decode-only rate", f"{ours_rate / decode_rate:.2f}")
    summary.add("speed-up vs HAIM per image", f"{haim_s * ours_rate:.1f}x")
    summary.add("peak RSS, process tree", f"{rss.peak / 2**30:.2f} GB")
    summary.add(f"projection {COHORT_ROWS:,} image rows: ours", f"{COHORT_ROWS / ours_rate / 60:.1f} min")
    summary.add(
        f"projection {COHORT_ROWS:,} image rows: HAIM (1 image/row)", f"{COHORT_ROWS * haim_s / 3600:.1f} h"
    )
    summary.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
