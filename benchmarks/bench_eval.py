"""Speed of the evaluation hot paths on a 2K photograph, side by side in one run:

* ``imresize`` (MATLAB bicubic) down x2 / x3 / x4 and up x4, uint8 (MATLAB rounding after
  each pass) and float64:
  ``cpp``        srgan_cpp's C++ kernel on a CHW tensor (``backend="cpp"``),
  ``cpp_numpy``  the same kernel on the HWC NumPy image (what datasets call),
  ``torch``      srgan_cpp's PyTorch path on the CHW tensor (one matmul per dimension),
  ``numpy``      a loop-free NumPy implementation of the same definition (gather the taps,
                 weighted sum; the way Python ports of imresize.m work);
* SSIM (11x11 Gaussian, sigma 1.5, valid region) of an image and its bicubic x4 round trip,
  RGB and Y, border 4, from uint8 HWC images:
  ``cpp`` (fused C++ kernel), ``torch`` (PyTorch path), ``compile`` (the PyTorch SSIM map
  under ``torch.compile``, same input preparation), ``numpy`` (separable filtering with
  ``sliding_window_view``).

With ``--device cuda`` each case also times ``torch_cuda``: the PyTorch path on the
image already on the GPU (what evaluating on a GPU costs; the copy to the device is not
timed).

Every implementation's output is compared with ``cpp`` first (max absolute difference in
the JSON). Timing: round-robin samples (benchmarks/harness.py), medians in ms;
ratio = median(other) / median(cpp), > 1 means the C++ path is faster.

    python benchmarks/bench_eval.py [--device cpu|cuda] [--quick] [--no-compile] [--threads N] [--out PATH]
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402

from srgan_cpp.data import bundled_images, imresize, read_image, resize_weights  # noqa: E402
from srgan_cpp.metrics import gaussian_window, ssim, ssim_map  # noqa: E402
from srgan_cpp.metrics._prepare import prepare_pair  # noqa: E402

OUT_DEFAULT = Path(__file__).resolve().parent / "results" / "cpu_eval.json"


# --- NumPy implementations of the same definitions -----------------------------------------------
def np_imresize(img: np.ndarray, scale: float) -> np.ndarray:
    """MATLAB bicubic imresize of an HWC image, H then W (equal scales), NumPy only, no Python
    loops over pixels. uint8 images are computed in float64 and rounded half away from zero and
    clipped after each pass, as MATLAB does."""
    integer = img.dtype == np.uint8
    out = img.astype(np.float64)
    for axis in (0, 1):
        n_in = out.shape[axis]
        n_out = int(np.ceil(n_in * scale))
        w, idx = resize_weights(n_in, n_out, scale)
        g = np.take(out, idx, axis=axis)  # (.., n_out, P, ..)
        if axis == 0:
            out = np.einsum("op,opwc->owc", w, g, optimize=True)
        else:
            out = np.einsum("op,hopc->hoc", w, g, optimize=True)
        if integer:
            out = np.floor(np.clip(out, 0, 255) + 0.5)
    return out.astype(np.uint8) if integer else out


def _np_filter_valid(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    k = g.size
    x = np.lib.stride_tricks.sliding_window_view(x, k, axis=0) @ g  # (H-k+1, W, C)
    return np.lib.stride_tricks.sliding_window_view(x, k, axis=1) @ g  # (H-k+1, W-k+1, C)


def np_ssim(img1: np.ndarray, img2: np.ndarray, crop_border: int, channel: str) -> float:
    """BasicSR ``calculate_ssim`` of uint8 HWC RGB images (Y: BT.601 studio range, unrounded)."""
    a = img1.astype(np.float64)
    b = img2.astype(np.float64)
    if crop_border:
        a = a[crop_border:-crop_border, crop_border:-crop_border]
        b = b[crop_border:-crop_border, crop_border:-crop_border]
    if channel == "y":
        coef = np.array([65.481, 128.553, 24.966]) / 255.0
        a = (16.0 + a @ coef)[..., None]
        b = (16.0 + b @ coef)[..., None]
    g = gaussian_window(11, 1.5).numpy()
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu1, mu2 = _np_filter_valid(a, g), _np_filter_valid(b, g)
    s1 = _np_filter_valid(a * a, g) - mu1 * mu1
    s2 = _np_filter_valid(b * b, g) - mu2 * mu2
    s12 = _np_filter_valid(a * b, g) - mu1 * mu2
    m = ((2 * mu1 * mu2 + c1) * (2 * s12 + c2)) / ((mu1 * mu1 + mu2 * mu2 + c1) * (s1 + s2 + c2))
    return float(m.mean())


# --- the test image ------------------------------------------------------------------------------------
def make_2k_image(height: int, width: int) -> np.ndarray:
    """A (height, width, 3) uint8 photograph: the bundled RGB photos upscaled x2 (MATLAB
    bicubic) and tiled, then cropped - real textures and edges at DIV2K's typical size."""
    tiles = []
    for path in bundled_images():
        img = read_image(path)
        if img.ndim == 3 and img.shape[2] == 3:
            tiles.append(imresize(img, 2.0))
    th, tw = tiles[0].shape[:2]
    rows = -(-height // th)
    cols = -(-width // tw)
    grid = [[tiles[(r * cols + c) % len(tiles)] for c in range(cols)] for r in range(rows)]
    mosaic = np.concatenate([np.concatenate(row, axis=1) for row in grid], axis=0)
    return np.ascontiguousarray(mosaic[:height, :width])


def _as_numpy(out: Any) -> np.ndarray:
    if isinstance(out, torch.Tensor):
        out = out.detach().cpu()
        return (out.permute(1, 2, 0) if out.dim() == 3 else out).numpy()
    return np.asarray(out)


def _max_diff(a: Any, b: Any) -> float:
    return float(np.abs(_as_numpy(a).astype(np.float64) - _as_numpy(b).astype(np.float64)).max())


def _run(name: str, params: Dict[str, Any], fns: Dict[str, Callable[[], Any]], timing: harness.TimingConfig,
         quiet: bool, device: torch.device) -> Dict[str, Any]:
    ref = fns["cpp"]()
    diffs = {k: _max_diff(f(), ref) for k, f in fns.items() if k != "cpp"}
    stats = harness.time_side_by_side(fns, timing, device)  # synchronises CUDA around each sample
    med = {k: s.median_ms for k, s in stats.items()}
    ratios = {f"{k}_vs_cpp": med[k] / med["cpp"] for k in med if k != "cpp"}
    if not quiet:
        cells = "  ".join(f"{k} {v:8.1f} ms" for k, v in med.items())
        print(f"{name:<10} {harness._params_str(params):<34} {cells}")
    return {"case": name, "params": params, "max_abs_diff_vs_cpp": diffs,
            "timings": {k: vars(s) for k, s in stats.items()}, "ratios": ratios}


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_common_args(ap, str(OUT_DEFAULT))
    ap.add_argument("--height", type=int, default=1356, help="2K image: DIV2K's typical 2040x1356")
    ap.add_argument("--width", type=int, default=2040)
    return ap.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    deadline = harness.deadline_from_args(args)
    device = harness.device_from_args(args)
    cuda = device.type == "cuda"
    if args.quick:
        args.height, args.width = 60, 84
    repeats = args.repeats or (2 if args.quick else 7)
    timing = harness.TimingConfig(warmup=1, repeats=repeats, min_sample_ms=1.0 if args.quick else 50.0, max_inner=20)
    use_compile = not args.no_compile

    hr = make_2k_image(args.height, args.width)
    results: List[Dict[str, Any]] = []
    print(f"image {args.width}x{args.height}x3, median of {repeats} round-robin samples, "
          f"{torch.get_num_threads()} threads")
    for dtype in ("uint8", "float64"):
        src = hr if dtype == "uint8" else hr.astype(np.float64)
        for label, scale in (("down x2", 1 / 2), ("down x3", 1 / 3), ("down x4", 1 / 4), ("up x4", 4.0)):
            img = src if scale < 1 else np.ascontiguousarray(np_imresize(src, 0.25))
            t = torch.from_numpy(img).permute(2, 0, 1).contiguous()
            fns: Dict[str, Callable[[], Any]] = {
                "cpp": lambda t=t, s=scale: imresize(t, s, backend="cpp"),
                "cpp_numpy": lambda i=img, s=scale: imresize(i, s, backend="cpp"),
                "torch": lambda t=t, s=scale: imresize(t, s, backend="torch"),
                "numpy": lambda i=img, s=scale: np_imresize(i, s),
            }
            if cuda:
                fns["torch_cuda"] = lambda t=t.to(device), s=scale: imresize(t, s, backend="torch")
            params = {"op": label, "dtype": dtype, "input": [img.shape[0], img.shape[1], 3]}
            if _out_of_time(deadline, results, "imresize", params):
                continue
            results.append(_run("imresize", params, fns, timing, args.quiet, device))

    sr = imresize(imresize(hr, 0.25), 4.0)[: hr.shape[0], : hr.shape[1]]
    crop = 4
    for channel in ("rgb", "y"):
        fns = {
            "cpp": lambda c=channel: ssim(hr, sr, crop_border=crop, channel=c, backend="cpp"),
            "torch": lambda c=channel: ssim(hr, sr, crop_border=crop, channel=c, backend="torch"),
            "numpy": lambda c=channel: np_ssim(hr, sr, crop, c),
        }
        if use_compile:
            compiled = torch.compile(lambda a, b: ssim_map(a, b, data_range=255.0).mean(dim=(1, 2, 3)), dynamic=False)

            def run_compiled(c: str = channel, f: Callable = compiled) -> float:
                a, b = prepare_pair(hr, sr, crop, c, None, False, "ssim")
                return float(f(a, b)[0])

            fns["compile"] = run_compiled
        if cuda:
            hr_d, sr_d = (torch.from_numpy(a).permute(2, 0, 1).contiguous().to(device) for a in (hr, sr))
            fns["torch_cuda"] = lambda c=channel, a=hr_d, b=sr_d: float(ssim(a, b, crop_border=crop, channel=c,
                                                                              backend="torch"))
        params = {"op": f"SSIM {channel}", "dtype": "uint8", "input": [hr.shape[0], hr.shape[1], 3]}
        if _out_of_time(deadline, results, "ssim", params):
            continue
        results.append(_run("ssim", params, fns, timing, args.quiet, device))

    report = {"schema_version": 1, "benchmark": "eval", "machine": harness.machine_info(device),
              "config": {"image": [args.height, args.width, 3], "timing": vars(timing), "quick": args.quick,
                         "cases_skipped": sum("skipped" in r for r in results),
                         "ratio_definition": "median_ms(other) / median_ms(cpp); > 1 means the C++ path is faster"},
              "results": results}
    print("\n" + harness.format_machine(report["machine"]))
    print(format_table(results))
    out = args.out or OUT_DEFAULT.with_name(f"{device.type}_eval.json")
    harness.write_json(out, report)
    print(f"\nwrote {out}")
    return 0


def _out_of_time(deadline: Optional[float], results: List[Dict[str, Any]], case: str, params: Dict[str, Any]) -> bool:
    """Past ``--time-budget``: records the case as skipped and returns True."""
    if deadline is None or time.monotonic() < deadline:
        return False
    results.append({"case": case, "params": params, "skipped": "time budget (--time-budget) spent"})
    return True


def format_table(results: List[Dict[str, Any]]) -> str:
    """Markdown table: median ms per implementation and the ratios to the C++ path."""
    impls = ["cpp", "cpp_numpy", "torch", "torch_cuda", "compile", "numpy"]
    results = [r for r in results if "skipped" not in r]
    lines = ["| case | dtype | input | " + " | ".join(f"{k} ms" for k in impls) + " | torch/cpp | numpy/cpp | max diff |",
             "|---|---|---|" + "---|" * (len(impls) + 3)]
    for r in results:
        t = r["timings"]
        cells = [f"{t[k]['median_ms']:.1f}" if k in t else "-" for k in impls]
        diff = max(r["max_abs_diff_vs_cpp"].values())
        p = r["params"]
        lines.append(f"| {p['op']} | {p['dtype']} | {p['input'][1]}x{p['input'][0]} | " + " | ".join(cells)
                     + f" | {r['ratios']['torch_vs_cpp']:.2f}x | {r['ratios']['numpy_vs_cpp']:.2f}x | {diff:.1e} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
