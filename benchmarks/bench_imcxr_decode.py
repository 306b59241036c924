"""Benchmark the two `imcxr` decodes on real-size JPEGs: HAIM's (OpenCV full decode + cv2.resize, the
default) and `--fast-images` (PIL reduced-scale `draft` decode + bilinear). Prints, per image, milliseconds a
decode of each mode, their ratio, and how far the fast mode's 224x224 array is from HAIM's (mean and max
absolute grey level difference, share of equal pixels).

Images: real-size synthetic X-rays made like the generator's planted ones (textured, and the same size smooth,
which shows how much the difference depends on texture), plus any real MIMIC-CXR-JPG files given with --jpeg.

    python benchmarks/bench_imcxr_decode.py [--jpeg FILE ...] [--repeat 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from mimic_mm.cxr_image import load_imcxr
from mimic_mm.synth.images import jpeg_bytes

SIZES = [(3056, 2544), (2544, 3056), (1201, 1003)]  # (Rows, Columns), as the planted images


def seconds_per_decode(path: Path, fast: bool, repeat: int) -> float:
    load_imcxr(path, fast=fast)  # warm: imports, file cache
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeat):
            load_imcxr(path, fast=fast)
        best = min(best, (time.perf_counter() - start) / repeat)
    return best


def synthetic(folder: Path) -> list[tuple[str, Path]]:
    made = []
    for k, (rows, columns) in enumerate(SIZES):
        for textured in (True, False):
            dicom_id = f"00000000-00000000-00000000-00000000-{k * 2 + textured:08x}"
            path = folder / f"{dicom_id}.jpg"
            path.write_bytes(jpeg_bytes(dicom_id, rows, columns, textured))
            made.append((f"synthetic {rows}x{columns} {'textured' if textured else 'smooth'}", path))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jpeg", type=Path, nargs="*", default=[], help="real JPEG files to measure too")
    parser.add_argument("--repeat", type=int, default=20, help="decodes per timing (best of 3)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-imcxr-") as tmp:
        images = synthetic(Path(tmp)) + [(f"file {p.name}", p) for p in args.jpeg]
        print(f"{'image':<40} {'KB':>6} {'opencv ms':>10} {'fast ms':>8} {'speed-up':>8} "
              f"{'mean diff':>9} {'max diff':>8} {'equal %':>8}")  # fmt: skip
        for name, path in images:
            haim, problem = load_imcxr(path)
            fast, fast_problem = load_imcxr(path, fast=True)
            if haim is None or fast is None:
                print(f"{name:<40} unreadable: {problem or fast_problem}")
                continue
            diff = np.abs(haim.astype(np.int16) - fast.astype(np.int16))
            t_cv = seconds_per_decode(path, False, args.repeat)
            t_fast = seconds_per_decode(path, True, args.repeat)
            print(f"{name:<40} {path.stat().st_size // 1024:>6} {t_cv * 1e3:>10.1f} {t_fast * 1e3:>8.1f} "
                  f"{t_cv / t_fast:>7.2f}x {diff.mean():>9.2f} {int(diff.max()):>8} "
                  f"{100 * float((diff == 0).mean()):>8.1f}")  # fmt: skip


if __name__ == "__main__":
    main()
