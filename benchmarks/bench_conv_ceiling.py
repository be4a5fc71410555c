"""How far fp32 upscaling on the CPU can go: how fast one 3x3 convolution runs (ATen's oneDNN
direct convolution in each layout, and srgan_cpp's Winograd F(4x4, 3x3)), how much of
``ours_fp32`` is convolution, and what the ratio to RealESRGANer would be if nothing else took time. Everything compared
is measured side by side in one run (round-robin, ``harness.time_side_by_side``), since this VM's speed drifts by tens of
percent between runs.

* ``conv``: one 64 -> 64 3x3 convolution (SRVGGNetCompact's body layer) on a 256x256 tile,
  as ATen runs it through oneDNN, in the layouts an upscaler could feed it: NCHW,
  channels_last, oneDNN's blocked layout (``Tensor.to_mkldnn``) and a batch of 4
  channels_last tiles (per tile), and ``winograd``: ``srgan_cpp.nn.winograd.conv3x3`` on the
  channels_last tile (what the C++ models run in fp32 inference); GFLOP/s counted as the
  direct convolution's 2 x 64 x 64 x 9 per pixel (so Winograd can pass 100 %), and the share
  of the cores' fp32 FMA peak (``--peak-gflops``, default: 2 cores x two 256-bit FMA pipes x 8
  lanes x 2 x 3.7 GHz: AMD Zen 4 runs an AVX-512 FMA on both 256-bit pipes);
* ``upscale``: RealESRGANer's method (fp32, tile 256) and ``Upscaler(precision="fp32",
  tile=256)`` on bench_upscale's SRVGGNetCompact 64x16 and a 1920x1080 photo (the
  issue's size), then one profiled run of ours (``torch.profiler``): the convolutions' share of
  its wall time (oneDNN's and srgan_cpp's Winograd, which records itself as
  ``srgan_cpp::winograd_conv3x3``; also ATen PReLU's, and the time outside both), and
  ``ceiling`` = the peer's time / the time of our convolutions alone (ours' median times
  the profiled convolution share) - the fp32 ratio if every other step were free.

    python benchmarks/bench_conv_ceiling.py [--repeats 3] [--quick] [--out FILE]
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_upscale  # noqa: E402
import harness  # noqa: E402
from srgan_cpp.nn import winograd  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def _side_by_side(fns: Dict[str, Callable[[], Any]], repeats: int, warmup: int, min_sample_ms: float
                  ) -> Dict[str, harness.Timing]:
    """harness.time_side_by_side on the CPU: round-robin samples after ``warmup`` calls each."""
    cfg = harness.TimingConfig(warmup=warmup, repeats=repeats, min_sample_ms=min_sample_ms)
    return harness.time_side_by_side(fns, cfg, torch.device("cpu"))


def conv_layouts(repeats: int, peak_gflops: float, size: int = 256) -> List[Dict[str, Any]]:
    """The 64 -> 64 3x3 conv (padding 1) on a ``size`` x ``size`` tile in each layout."""
    from torch.utils import mkldnn as mkldnn_utils

    torch.manual_seed(0)
    conv = torch.nn.Conv2d(64, 64, 3, padding=1).eval()
    x = torch.randn(1, 64, size, size)
    gflop = 2 * 64 * 64 * 9 * size * size / 1e9
    with torch.no_grad():
        blocked = mkldnn_utils.to_mkldnn(torch.nn.Sequential(conv))
        x_cl = x.contiguous(memory_format=torch.channels_last)
        x4 = torch.randn(4, 64, size, size).contiguous(memory_format=torch.channels_last)
        x_blocked = x.to_mkldnn()
        per_call = {"nchw": 1, "channels_last": 1, "onednn_blocked": 1, "channels_last_batch4": 4, "winograd": 1}
        fns = {"nchw": lambda: conv(x), "channels_last": lambda: conv(x_cl),
               "onednn_blocked": lambda: blocked(x_blocked), "channels_last_batch4": lambda: conv(x4)}
        if winograd.is_enabled():
            fns["winograd"] = lambda: winograd.conv3x3(x_cl, conv.weight, conv.bias)
        timings = _side_by_side(fns, repeats, warmup=3, min_sample_ms=20.0)
    rows = []
    for name, t in timings.items():
        ms = t.median_ms / per_call[name]
        rows.append({"layout": name, "tile": size, "ms_per_tile": ms, "gflops": gflop / (ms / 1e3),
                     "share_of_peak": gflop / (ms / 1e3) / peak_gflops})
        print(f"conv {name:22s} {ms:7.2f} ms/tile {rows[-1]['gflops']:6.1f} GFLOP/s", flush=True)
    return rows


def upscale_ceiling(repeats: int, width: int = 1920, height: int = 1080, tile: int = 256) -> Dict[str, Any]:
    """Peer vs ours in fp32 (round-robin), then ours profiled: the convolutions' share and the ceiling."""
    from torch.profiler import ProfilerActivity, profile

    model, arch = bench_upscale.make_model("srvgg")
    img = bench_upscale.photo(width, height)
    device = torch.device("cpu")
    impls = {name: bench_upscale.make_impl(name, model, tile, device) for name in ("peer_fp32", "ours_fp32")}
    # One call per sample (each takes seconds); the first call of each also creates its oneDNN primitives.
    timings = _side_by_side({name: (lambda f=f: f(img)) for name, f in impls.items()}, repeats, warmup=1,
                            min_sample_ms=0.0)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        t0 = time.perf_counter()
        impls["ours_fp32"](img)
        wall = time.perf_counter() - t0
    by_op = {e.key: e.self_cpu_time_total / 1e6 for e in prof.key_averages()}
    total = sum(by_op.values())  # recorded ops only: srgan_cpp's in-place PReLU is none, so not in it
    conv_s = by_op.get("aten::mkldnn_convolution", 0.0) + by_op.get("srgan_cpp::winograd_conv3x3", 0.0)
    peer_s, ours_s = (timings[n].median_ms / 1e3 for n in ("peer_fp32", "ours_fp32"))
    out = {"model": arch, "input": [width, height], "tile": tile,
           "timings_ms": {n: dataclasses.asdict(t) for n, t in timings.items()},
           "peer_fp32_s": peer_s, "ours_fp32_s": ours_s, "speedup_vs_peer_fp32": peer_s / ours_s,
           "winograd": winograd.is_enabled(),
           "profiled_wall_s": wall, "profiled_ops_self_s": total, "convolution_s": conv_s,
           "convolution_share": conv_s / wall, "prelu_share": by_op.get("aten::_prelu_kernel", 0.0) / wall,
           "outside_recorded_ops_share": max(0.0, wall - total) / wall,
           "top_ops_self_s": dict(sorted(by_op.items(), key=lambda kv: -kv[1])[:8]),
           # the profiled run is slower than the timed ones (profiler overhead, drift): its
           # convolution share, not its seconds, is applied to the timed median
           "convolution_s_in_median": ours_s * conv_s / wall,
           "ceiling_speedup_vs_peer_fp32": peer_s / (ours_s * conv_s / wall) if conv_s > 0 else None}
    ceiling = out["ceiling_speedup_vs_peer_fp32"]
    print(f"upscale fp32 {width}x{height}: peer {peer_s:.2f} s, ours {ours_s:.2f} s ({peer_s / ours_s:.2f}x); "
          f"convolution {out['convolution_share']:.1%}, ATen PReLU {out['prelu_share']:.1%}, outside recorded ops "
          f"{out['outside_recorded_ops_share']:.1%} of ours; "
          f"ceiling {'-' if ceiling is None else f'{ceiling:.2f}x'}", flush=True)
    return out


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=3, help="round-robin samples (the conv cases take 10x as many)")
    p.add_argument("--quick", action="store_true", help="tiny sizes (a smoke run for the tests; numbers meaningless)")
    p.add_argument("--peak-gflops", type=float, default=2 * 2 * 8 * 2 * 3.7,
                   help="the cores' fp32 FMA peak in GFLOP/s (default 237: 2 Zen 4 cores, 3.7 GHz)")
    p.add_argument("--out", default=str(RESULTS / "cpu_conv_ceiling.json"))
    p.add_argument("--note", default="", help="what else ran on the machine (recorded in the JSON)")
    args = p.parse_args(argv)
    rows = conv_layouts(10 * args.repeats, args.peak_gflops, 32 if args.quick else 256)
    up = upscale_ceiling(args.repeats, *((96, 64, 48) if args.quick else (1920, 1080, 256)))
    report = {"schema_version": 1, "benchmark": "conv_ceiling", "machine": harness.machine_info(torch.device("cpu")),
              "note": args.note, "quick": args.quick, "peak_gflops_assumed": args.peak_gflops, "conv": rows,
              "upscale": up}
    harness.write_json(Path(args.out), report)
    print(f"-> {args.out}")
    return report


if __name__ == "__main__":
    main()
