"""srgan_cpp's upscaler vs Real-ESRGAN's RealESRGANer method, side by side in one run.

Same architecture and weights for both (SRVGGNetCompact x4 and RRDBNet x4 with self-made
"near-identity" weights, see ``make_model``: nothing can be downloaded), same tile size:
``peer`` is ``realesrganer_reference.RealESRGANer`` running the architecture in plain PyTorch
(``pytorch_twin``, as Real-ESRGAN's users do) (pad, tile, crop-and-paste, fp32 on the
CPU / fp16 on CUDA; ``tile`` core pixels + ``tile_pad`` 10 of context, ``pre_pad`` 0 as in
``inference_realesrgan.py``), ``ours`` is ``srgan_cpp.upscale.Upscaler`` on the srgan_cpp C++ model (``tile`` pixels
per model call including the blended overlap; channels_last; fp32, bf16 and fp16 where
the device has them). Both go from an RGB uint8 NumPy image to the upscaled uint8 image
(no file I/O).

Sections of the JSON (``benchmarks/results/<device>_upscale.json``):

* ``throughput``: images per second (1 / median of round-robin samples) per case and
  implementation, the ratio to ``peer_fp32`` (``peer_fp16`` on CUDA), and how far each
  output is from ``ours_fp32`` (max difference and PSNR);
* ``memory``: peak host memory (RSS high-water mark, reset before the run; each run in a
  fresh process) and on CUDA the device peak, also as a multiple of the output's size;
  the peer's 8K run is only attempted with ``--peer-big`` (its whole-output float32
  tensors do not fit a small machine), its growth is measured on smaller inputs instead;
* ``quality``: bf16 vs fp32 (PSNR to the ground truth and to each other) on photographs
  downscaled x4 with MATLAB bicubic;
* ``seams``: tiled vs untiled max difference, ours (blended) and the peer (crop-and-paste).

    python benchmarks/bench_upscale.py [--device cpu|cuda] [--quick] [--repeats N] [--tile 256]
        [--srvgg-size 1920x1080] [--rrdb-size 480x270] [--rrdb-blocks 6] [--big-size 7680x4320] [--peer-big]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402
from realesrganer_reference import RealESRGANer, pytorch_twin  # noqa: E402

import srgan_cpp  # noqa: E402
from srgan_cpp.data import imresize  # noqa: E402
from srgan_cpp.metrics import psnr  # noqa: E402
from srgan_cpp.upscale import Upscaler  # noqa: E402
from srgan_cpp.upscale.precision import cpu_has_fast_bf16  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


# --------------------------------------------------------------------------------------
# models and images
# --------------------------------------------------------------------------------------
def _identity_taps(conv_weight: torch.Tensor, channels: int = 3) -> None:
    """Adds 1 at the centre tap of output channel c from input channel c (c < channels)."""
    k = conv_weight.shape[-1] // 2
    for c in range(channels):
        conv_weight[c, c, k, k] += 1.0


def make_model(name: str, rrdb_blocks: int = 6, seed: int = 0, self_made: bool = True
               ) -> Tuple[nn.Module, Dict[str, Any]]:
    """The benchmark models, x4, with self-made weights that make them upscale like a
    perturbed nearest-neighbour filter (so PSNR against a ground truth means something):

    * ``srvgg``: SRVGGNetCompact(num_feat=64, num_conv=16) (Real-ESRGAN's realesr-animevideov3
      shape); its output adds the nearest-upsampled input, so the random body is damped x0.1;
    * ``srvgg_tiny``: the same with num_feat=16, num_conv=2 (the 8K memory runs);
    * ``rrdb``: RRDBNet(num_feat=64, num_grow_ch=32, num_block=rrdb_blocks); the random
      weights of the convs outside the RRDB trunk are damped x0.05 and given identity taps
      for the 3 image channels, so the trunk is a small perturbation of nearest upsampling.

    ``self_made=False`` keeps the classes' random initialisation (used for the seam test,
    where a large response to the context matters more than a meaningful image).
    """
    torch.manual_seed(seed)
    if name in ("srvgg", "srvgg_tiny"):
        cfg = dict(num_feat=64, num_conv=16) if name == "srvgg" else dict(num_feat=16, num_conv=2)
        model = srgan_cpp.models.SRVGGNetCompact(num_in_ch=3, num_out_ch=3, upscale=4, act_type="prelu", **cfg)
        sd = model.state_dict()
        last = f"body.{max(int(k.split('.')[1]) for k in sd if sd[k].dim() == 4)}.weight"  # the last conv
        if self_made:
            with torch.no_grad():
                sd[last].mul_(0.1)
        return model.eval(), {"arch": "SRVGGNetCompact", **cfg, "upscale": 4}
    if name == "rrdb":
        model = srgan_cpp.models.RRDBNet(num_in_ch=3, num_out_ch=3, scale=4, num_feat=64, num_block=rrdb_blocks,
                                         num_grow_ch=32)
        sd = model.state_dict()
        damped = ("conv_first", "conv_body", "conv_up1", "conv_up2", "conv_hr", "conv_last") if self_made else ()
        with torch.no_grad():
            for key in damped:
                sd[f"{key}.weight"].mul_(0.05)
                sd[f"{key}.bias"].zero_()
                if key != "conv_body":
                    _identity_taps(sd[f"{key}.weight"])
        return model.eval(), {"arch": "RRDBNet", "num_feat": 64, "num_block": rrdb_blocks, "num_grow_ch": 32,
                              "scale": 4}
    if name == "msrresnet":  # seams only: a deep trunk whose response reaches far past the tile margins
        model = srgan_cpp.models.MSRResNet(num_in_ch=3, num_out_ch=3, num_feat=64, num_block=16, upscale=4)
        return model.eval(), {"arch": "MSRResNet", "num_feat": 64, "num_block": 16, "upscale": 4}
    raise ValueError(f"unknown model {name!r}")


def _skimage_photo(name: str) -> np.ndarray:
    import skimage.data

    return np.ascontiguousarray(getattr(skimage.data, name)()[..., :3])


def photo(width: int, height: int) -> np.ndarray:
    """A photographic ``(height, width, 3)`` uint8 input: scikit-image's coffee photo, MATLAB
    bicubic-resized to cover the size, then centre-cropped."""
    src = _skimage_photo("coffee")
    factor = max(height / src.shape[0], width / src.shape[1])
    big = imresize(src, factor) if factor != 1 else src
    y0, x0 = (big.shape[0] - height) // 2, (big.shape[1] - width) // 2
    return np.ascontiguousarray(big[y0:y0 + height, x0:x0 + width])


def parse_wh(text: str) -> Tuple[int, int]:
    w, h = text.lower().split("x")
    return int(w), int(h)


# --------------------------------------------------------------------------------------
# implementations
# --------------------------------------------------------------------------------------
def impl_names(device: torch.device) -> List[str]:
    """``ours_auto`` is the default a user gets: precision and tile size chosen automatically."""
    if device.type == "cuda":
        return ["peer_fp16", "peer_fp32", "ours_fp16", "ours_bf16", "ours_fp32", "ours_auto"]
    return ["peer_fp32", "ours_fp32"] + (["ours_bf16"] if cpu_has_fast_bf16() else []) + ["ours_auto"]


def baseline_name(device: torch.device) -> str:
    return "peer_fp16" if device.type == "cuda" else "peer_fp32"


def make_impl(name: str, model: nn.Module, tile: int, device: torch.device) -> Callable[[np.ndarray], np.ndarray]:
    """``name`` -> a function RGB uint8 image -> upscaled RGB uint8 image (setup done here)."""
    kind, precision = name.split("_")
    if kind == "peer":
        # Real-ESRGAN's users run the architecture in plain PyTorch: the same weights in it
        peer = RealESRGANer(4, pytorch_twin(model), tile=tile, tile_pad=10, pre_pad=0, half=precision == "fp16",
                            device=device)

        def run_peer(img: np.ndarray) -> np.ndarray:
            bgr = np.ascontiguousarray(img[:, :, ::-1])  # what cv2.imread gives it
            return np.ascontiguousarray(peer.enhance(bgr)[:, :, ::-1])
        return run_peer
    if precision == "auto":
        return Upscaler(model, device=device, progress=False).run
    return Upscaler(model, tile=tile, precision=precision, device=device, progress=False).run


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# --------------------------------------------------------------------------------------
# sections
# --------------------------------------------------------------------------------------
def _past(deadline: Optional[float]) -> bool:
    return deadline is not None and time.monotonic() > deadline


def throughput(cases: List[Dict[str, Any]], device: torch.device, tile: int, repeats: int,
               log: Callable[[str], None], deadline: Optional[float] = None) -> List[Dict[str, Any]]:
    names = impl_names(device)
    base = baseline_name(device)
    results = []
    for case in cases:
        if _past(deadline):
            results.append({"model": case["model"], "input": list(case["size"]), "skipped": "time budget"})
            continue
        model, arch = make_model(case["model"], case.get("rrdb_blocks", 6))
        img = photo(*case["size"])
        impls = {n: make_impl(n, model, tile, device) for n in names}
        outputs: Dict[str, np.ndarray] = {}
        samples: Dict[str, List[float]] = {n: [] for n in names}
        for r in range(repeats):
            for n, fn in impls.items():  # round-robin: background load hits all alike
                _sync(device)
                t0 = time.perf_counter()
                out = fn(img)
                _sync(device)
                samples[n].append(time.perf_counter() - t0)
                if r == 0:
                    outputs[n] = out
                log(f"  {case['model']} {case['size'][0]}x{case['size'][1]} {n}: {samples[n][-1]:.2f} s")
        ref = outputs["ours_fp32"]
        rows = {}
        for n in names:
            med = statistics.median(samples[n])
            diff = np.abs(outputs[n].astype(np.int16) - ref.astype(np.int16))
            rows[n] = {"seconds": samples[n], "median_s": med, "images_per_s": 1.0 / med,
                       "max_abs_diff_vs_ours_fp32": int(diff.max()),
                       "psnr_vs_ours_fp32_db": None if n == "ours_fp32" else _finite(psnr(outputs[n], ref))}
        for n in names:
            rows[n]["speedup_vs_" + base] = rows[base]["median_s"] / rows[n]["median_s"]
        results.append({"model": case["model"], "arch": arch, "input": list(case["size"]),
                        "output": [case["size"][0] * 4, case["size"][1] * 4], "tile": tile, "repeats": repeats,
                        "implementations": rows})
    return results


def _finite(v: float) -> Optional[float]:
    v = float(v)
    return v if np.isfinite(v) else None


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets the VmHWM high-water mark
        return True
    except OSError:
        return False


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/self/status")


def memory_child(spec: Dict[str, Any]) -> Dict[str, Any]:
    """Runs one implementation once, in this (fresh) process, and measures its peak memory."""
    device = torch.device(spec["device"])
    if spec.get("threads"):
        torch.set_num_threads(spec["threads"])
    model, _ = make_model(spec["model"], spec.get("rrdb_blocks", 6))
    img = photo(*spec["size"])
    fn = make_impl(spec["impl"], model, spec["tile"], device)
    fn(photo(64, 48))  # warm-up: kernels and allocator pools set up before the measurement
    _sync(device)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        dev_base = torch.cuda.memory_allocated(device)
    reset = _reset_peak_rss()
    base_kb = _status_kb("VmRSS")
    t0 = time.perf_counter()
    out = fn(img)
    _sync(device)
    seconds = time.perf_counter() - t0
    peak_kb = _status_kb("VmHWM")
    res = {"impl": spec["impl"], "model": spec["model"], "input": list(spec["size"]), "output_shape": list(out.shape),
           "output_bytes": int(out.nbytes), "seconds": seconds, "peak_rss_increase_bytes": (peak_kb - base_kb) * 1024,
           "rss_high_water_reset": reset}
    res["peak_rss_increase_over_output"] = res["peak_rss_increase_bytes"] / out.nbytes
    if device.type == "cuda":
        res["peak_device_bytes"] = int(torch.cuda.max_memory_allocated(device) - dev_base)
    return res


def memory(specs: List[Dict[str, Any]], log: Callable[[str], None],
           deadline: Optional[float] = None) -> List[Dict[str, Any]]:
    out = []
    for spec in specs:
        if _past(deadline):
            out.append({"impl": spec["impl"], "model": spec["model"], "input": list(spec["size"]),
                        "skipped": "time budget"})
            continue
        cmd = [sys.executable, __file__, "--child", json.dumps(spec)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            res = {**{k: spec[k] for k in ("impl", "model")}, "input": list(spec["size"]),
                   "error": (proc.stderr.strip().splitlines() or ["killed"])[-1][-500:], "returncode": proc.returncode}
        else:
            res = json.loads(proc.stdout.strip().splitlines()[-1])
        log(f"  memory {spec['impl']} {spec['model']} {spec['size'][0]}x{spec['size'][1]}: "
            + (f"{res['peak_rss_increase_bytes'] / 2**20:.0f} MiB ({res['peak_rss_increase_over_output']:.2f}x output)"
               if "error" not in res else f"failed: {res['error']}"))
        out.append(res)
    return out


def quality(models: List[str], device: torch.device, tile: int, rrdb_blocks: int,
            photos: List[str], crop: Optional[int] = None) -> List[Dict[str, Any]]:
    """bf16 vs fp32 on photographs: ground truth = the photo (cropped to a multiple of 4),
    input = its MATLAB bicubic x1/4; PSNR on RGB with a 4-pixel border cropped."""
    rows = []
    for name in models:
        model, _ = make_model(name, rrdb_blocks)
        for ph in photos:
            hr = _skimage_photo(ph)
            hr = hr[:crop, :crop] if crop else hr
            hr = hr[:hr.shape[0] // 4 * 4, :hr.shape[1] // 4 * 4]
            lr = imresize(hr, 0.25)
            outs = {p: Upscaler(model, tile=tile, precision=p, device=device, progress=False).run(lr)
                    for p in ("fp32", "bf16")}
            peer = make_impl(baseline_name(device), model, tile, device)(lr)
            p32, p16 = (float(psnr(outs[p], hr, crop_border=4)) for p in ("fp32", "bf16"))
            rows.append({"model": name, "photo": ph, "hr": list(hr.shape[:2]), "psnr_fp32_db": p32, "psnr_bf16_db": p16,
                         "delta_db": p16 - p32, "psnr_bf16_vs_fp32_db": _finite(psnr(outs["bf16"], outs["fp32"])),
                         "psnr_peer_db": float(psnr(peer, hr, crop_border=4)),
                         "psnr_bicubic_db": float(psnr(imresize(lr, 4.0), hr, crop_border=4))})
    return rows


def seams(models: List[str], device: torch.device, tile: int, size: Tuple[int, int], rrdb_blocks: int,
          wide: bool = True) -> List[Dict]:
    """Tiled vs untiled: ours (blended, float32 and uint8 output) and the peer (crop-and-paste),
    with the self-made weights and with the classes' random initialisation, plus a randomly
    initialised MSRResNet (16 blocks), whose receptive field is far wider than the margins."""
    rows = []
    img = photo(*size)
    f32 = img.astype(np.float32) / 255
    pairs = [(m, w) for m in models for w in (True, False)] + ([("msrresnet", False)] if wide else [])
    for name, self_made in pairs:
        model, _ = make_model(name, rrdb_blocks, self_made=self_made)
        whole = Upscaler(model, tile=0, precision="fp32", device=device, progress=False)
        tiled = Upscaler(model, tile=tile, precision="fp32", device=device, progress=False)
        df = np.abs(tiled.run(f32) - whole.run(f32))
        du = np.abs(tiled.run(img).astype(np.int16) - whole.run(img).astype(np.int16))
        peer_t = make_impl("peer_fp32", model, tile, device)(img).astype(np.int16)
        peer_w = make_impl("peer_fp32", model, 0, device)(img).astype(np.int16)
        dp = np.abs(peer_t - peer_w)
        b = 16
        rows.append({"model": name, "weights": "self-made" if self_made else "random init", "input": list(size),
                     "tile": tile, "overlap": tiled.overlap,
                     "ours_max_abs_diff_float": float(df.max()), "ours_max_abs_diff_float_inner": float(df[b:-b, b:-b].max()),
                     "ours_max_abs_diff_uint8": int(du.max()), "ours_mean_abs_diff_uint8": float(du.mean()),
                     "peer_max_abs_diff_uint8": int(dp.max()), "peer_mean_abs_diff_uint8": float(dp.mean())})
    return rows


# --------------------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------------------
def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_common_args(p, "benchmarks/results/<device>_upscale.json")
    p.add_argument("--tile", type=int, default=256, help="tile size for both (default 256)")
    p.add_argument("--srvgg-size", type=parse_wh, default=(1920, 1080), metavar="WxH")
    p.add_argument("--rrdb-size", type=parse_wh, default=(480, 270), metavar="WxH")
    p.add_argument("--rrdb-blocks", type=int, default=6, help="RRDB blocks (default 6: RealESRGAN_x4plus_anime_6B)")
    p.add_argument("--big-size", type=parse_wh, default=(7680, 4320), metavar="WxH", help="the 8K input")
    p.add_argument("--big-model", default="srvgg_tiny", choices=("srvgg_tiny", "srvgg", "rrdb"))
    p.add_argument("--peer-growth", default="1920x1080,3840x2160",
                   help="input sizes at which the peer's memory is measured with --big-model")
    p.add_argument("--peer-big", action="store_true", help="also run the peer at --big-size (needs ~25 GB at 8K x4)")
    p.add_argument("--skip", default="", help="comma list of sections to skip: throughput,memory,quality,seams")
    p.add_argument("--child", default=None, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    if args.child is not None:
        print(json.dumps(memory_child(json.loads(args.child))))
        return {}
    device = harness.device_from_args(args)
    if args.quick:
        args.tile, args.srvgg_size, args.rrdb_size, args.rrdb_blocks = 32, (64, 48), (40, 32), 1
        args.big_size, args.peer_growth = (256, 192), "128x96"
    repeats = args.repeats or (1 if args.quick else 3)
    skip = set(filter(None, args.skip.split(",")))
    deadline = harness.deadline_from_args(args)
    skipped: List[str] = []

    def run_section(name: str) -> bool:
        """Whether section ``name`` runs: not in --skip and the --time-budget not spent."""
        if name in skip:
            return False
        if _past(deadline):
            skipped.append(name)
            return False
        return True
    log = (lambda msg: None) if args.quiet else (lambda msg: print(msg, flush=True))
    quick_models = ["srvgg_tiny", "rrdb"] if args.quick else ["srvgg", "rrdb"]
    report: Dict[str, Any] = {"schema_version": 1, "benchmark": "upscale", "machine": harness.machine_info(device),
                              "load_average_start": list(os.getloadavg()),
                              "config": {"tile": args.tile, "peer": "RealESRGANer re-implementation, tile_pad 10, "
                                         "pre_pad 0", "ours_overlap": Upscaler.__init__.__kwdefaults__["overlap"],
                                         "rrdb_blocks": args.rrdb_blocks, "quick": args.quick, "repeats": repeats,
                                         "images_per_s": "1 / median seconds per image (uint8 array in and out)"}}
    if run_section("throughput"):
        cases = [{"model": quick_models[0], "size": args.srvgg_size},
                 {"model": "rrdb", "size": args.rrdb_size, "rrdb_blocks": args.rrdb_blocks}]
        report["throughput"] = throughput(cases, device, args.tile, repeats, log, deadline)
    if run_section("memory"):
        base = dict(device=str(device), tile=args.tile, threads=args.threads, rrdb_blocks=args.rrdb_blocks)
        specs = [dict(base, impl=n, model=args.big_model, size=args.big_size)
                 for n in impl_names(device) if n.startswith("ours")]
        growth = [parse_wh(s) for s in args.peer_growth.split(",") if s]
        for size in growth + ([args.big_size] if args.peer_big else []):
            specs += [dict(base, impl=n, model=args.big_model, size=size) for n in (baseline_name(device), "ours_fp32")]
        report["memory"] = memory(specs, log, deadline)
    if run_section("quality"):
        photos = ["astronaut"] if args.quick else ["astronaut", "coffee"]
        report["quality"] = quality(quick_models, device, args.tile, args.rrdb_blocks, photos,
                                    crop=96 if args.quick else None)
    if run_section("seams"):
        report["seams"] = seams(quick_models[:1] if args.quick else quick_models, device, 32 if args.quick else 96,
                                (64, 48) if args.quick else (256, 192), args.rrdb_blocks, wide=not args.quick)
    report["config"]["sections_skipped"] = skipped  # by --time-budget
    report["config"]["sections_not_asked"] = sorted(skip)  # by --skip
    report["config"]["cases_skipped"] = len(skipped) + sum(
        1 for sec in ("throughput", "memory") for row in report.get(sec, []) if "skipped" in row)
    report["load_average_end"] = list(os.getloadavg())
    out = args.out or RESULTS / f"{device.type}_upscale{'_quick' if args.quick else ''}.json"
    harness.write_json(Path(out), report)
    log(f"wrote {out}")
    return report


if __name__ == "__main__":
    main()
