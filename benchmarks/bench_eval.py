"""Speed of the evaluation hot paths on a 2K image, in one run:

* ``imresize`` (MATLAB bicubic): srgan_cpp's PyTorch implementation (one matrix product per
  dimension) against a loop-free NumPy implementation of the same definition (gather of
  the taps + weighted sum, as the usual Python ports of MATLAB's imresize do);
* SSIM (11x11 Gaussian, sigma 1.5, valid region): srgan_cpp (separable ``conv2d``) against
  a loop-free NumPy implementation (separable filtering with ``sliding_window_view``).

Both sides compute in float64 (the metrics' precision) on the same input; imresize is also
timed in float32 for the tensor path. Before timing, each pair's outputs are compared (max
absolute difference reported). Implementations are timed round-robin so background load
hits them alike; the median of ``--repeats`` samples is reported.

    python benchmarks/bench_eval.py [--device cpu|cuda] [--repeats 5] [--out results.json]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from typing import Callable, Dict, List, Tuple

import numpy as np
import torch

from srgan_cpp.data.resize import resize_weights
from srgan_cpp.data import imresize
from srgan_cpp.metrics import gaussian_window, ssim_map


# --- NumPy reference implementations of the same definitions ---------------------------------
def np_imresize(img: np.ndarray, scale: float) -> np.ndarray:
    """MATLAB bicubic imresize of an HWC float64 image, H then W, NumPy only, no Python loops."""
    out = img
    for axis in (0, 1):
        n_in = out.shape[axis]
        n_out = int(np.ceil(n_in * scale))
        w, idx = resize_weights(n_in, n_out, scale)
        g = np.take(out, idx, axis=axis)  # (.., n_out, P, ..)
        if axis == 0:
            out = np.einsum("op,opwc->owc", w, g, optimize=True)
        else:
            out = np.einsum("op,hopc->hoc", w, g, optimize=True)
    return out


def _np_filter_valid(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    k = g.size
    x = np.lib.stride_tricks.sliding_window_view(x, k, axis=0) @ g  # (H-k+1, W, C)
    return np.lib.stride_tricks.sliding_window_view(x, k, axis=1) @ g  # (H-k+1, W-k+1, C)


def np_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM of HWC float64 images on the [0, 255] scale (BasicSR ``calculate_ssim`` definition)."""
    g = gaussian_window(11, 1.5).numpy()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu1, mu2 = _np_filter_valid(a, g), _np_filter_valid(b, g)
    s1 = _np_filter_valid(a * a, g) - mu1 * mu1
    s2 = _np_filter_valid(b * b, g) - mu2 * mu2
    s12 = _np_filter_valid(a * b, g) - mu1 * mu2
    m = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 * mu1 + mu2 * mu2 + c1) * (s1 + s2 + c2))
    return float(m.mean())


# --- timing ---------------------------------------------------------------------------------------
def _time_round_robin(fns: Dict[str, Callable[[], object]], repeats: int, sync: Callable[[], None]) -> Dict[str, List[float]]:
    for f in fns.values():  # warm-up (caches, allocator, lazy init)
        f()
        sync()
    samples: Dict[str, List[float]] = {k: [] for k in fns}
    for _ in range(repeats):
        for k, f in fns.items():
            sync()
            t0 = time.perf_counter()
            f()
            sync()
            samples[k].append((time.perf_counter() - t0) * 1e3)
    return samples


def _write_json_atomic(path: str, obj: object) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(obj, f, indent=2)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv: List[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--device", default="cpu", help="device of the torch implementation (cpu, cuda)")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--height", type=int, default=1356, help="2K image: DIV2K's typical 2040x1356")
    ap.add_argument("--width", type=int, default=2040)
    ap.add_argument("--out", default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)
    dev = torch.device(args.device)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)

    # a smooth random 2K RGB image (values in [0, 255])
    rng = np.random.default_rng(0)
    small = rng.random((args.height // 8 + 1, args.width // 8 + 1, 3)) * 255
    hr = np.ascontiguousarray(np_imresize(small, 8.0)[: args.height, : args.width])
    noisy = np.clip(hr + rng.normal(0, 5, hr.shape), 0, 255)
    lr = np_imresize(hr, 0.25)

    t_hr64 = torch.from_numpy(hr).permute(2, 0, 1).contiguous().to(dev)
    t_hr32 = t_hr64.float()
    t_lr64 = torch.from_numpy(lr).permute(2, 0, 1).contiguous().to(dev)
    t_lr32 = t_lr64.float()
    t_a = t_hr64[None]
    t_b = torch.from_numpy(noisy).permute(2, 0, 1)[None].contiguous().to(dev)

    cases: List[Tuple[str, Dict[str, Callable[[], object]], float]] = []
    # correctness first
    d_down = np.abs(imresize(t_hr64, 0.25).permute(1, 2, 0).cpu().numpy() - lr).max()
    d_up = np.abs(imresize(t_lr64, 4).permute(1, 2, 0).cpu().numpy() - np_imresize(lr, 4.0)).max()
    s_t = float(ssim_map(t_a, t_b, 255.0).mean())
    s_n = np_ssim(hr, noisy)
    cases.append(("imresize x1/4 (2K -> 510x339)", {
        "srgan_cpp float64": lambda: imresize(t_hr64, 0.25),
        "srgan_cpp float32": lambda: imresize(t_hr32, 0.25),
        "numpy float64": lambda: np_imresize(hr, 0.25)}, float(d_down)))
    cases.append(("imresize x4 (510x339 -> 2K)", {
        "srgan_cpp float64": lambda: imresize(t_lr64, 4),
        "srgan_cpp float32": lambda: imresize(t_lr32, 4),
        "numpy float64": lambda: np_imresize(lr, 4.0)}, float(d_up)))
    cases.append(("SSIM RGB 2K", {
        "srgan_cpp float64": lambda: ssim_map(t_a, t_b, 255.0).mean(),
        "numpy float64": lambda: np_ssim(hr, noisy)}, abs(s_t - s_n)))

    report = {"device": str(dev), "torch": torch.__version__, "numpy": np.__version__, "threads": torch.get_num_threads(),
              "cpu": platform.processor() or platform.machine(), "image": [args.height, args.width, 3],
              "repeats": args.repeats, "cases": []}
    print(f"device {dev}, torch {torch.__version__} ({torch.get_num_threads()} threads), numpy {np.__version__}, "
          f"image {args.width}x{args.height}x3, median of {args.repeats}")
    for name, fns, diff in cases:
        samples = _time_round_robin(fns, args.repeats, sync)
        med = {k: statistics.median(v) for k, v in samples.items()}
        ref = med["numpy float64"]
        print(f"\n{name}   (max |srgan_cpp - numpy| = {diff:.2e})")
        for k, v in med.items():
            print(f"  {k:<20} {v:10.1f} ms   numpy/this = {ref / v:5.2f}x")
        report["cases"].append({"name": name, "max_abs_diff": diff, "median_ms": med, "samples_ms": samples})
    if args.out:
        _write_json_atomic(args.out, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
