"""The machine's two ceilings, measured once per GPU run (METHOD.md: "two numbers first"):
device-to-device copy bandwidth (bytes read + written per second) and the bf16 matrix-product
rate on random data, with CUDA events, medians of repeated runs after warm-up. Writes JSON.

    python3 benchmarks/gpu/device_probe.py [--device cuda] [--json PATH]

On the CPU (a dry run) the same measurements run at tiny sizes with wall-clock timers.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import harness  # noqa: E402


def _time_ms(fn: Callable[[], Any], device: torch.device, repeats: int, warmup: int = 3) -> float:
    """Median milliseconds of ``fn`` (CUDA events on a GPU, perf_counter on the CPU)."""
    for _ in range(warmup):
        fn()
    samples: List[float] = []
    for _ in range(repeats):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            end.synchronize()
            samples.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples)


def probe(device: torch.device) -> Dict[str, Any]:
    gpu = device.type == "cuda"
    nbytes = (2 << 30) if gpu else (32 << 20)  # 2 GiB: many times the H200's 60 MB L2
    src = torch.rand(nbytes // 4, device=device)
    dst = torch.empty_like(src)
    copy_ms = _time_ms(lambda: dst.copy_(src), device, repeats=20 if gpu else 5)
    n = 8192 if gpu else 256
    g = torch.Generator(device=device).manual_seed(0)
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16, generator=g)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16, generator=g)
    mm_ms = _time_ms(lambda: a @ b, device, repeats=10 if gpu else 3)
    return {
        "copy_bytes_moved": 2 * nbytes,
        "copy_ms": copy_ms,
        "copy_bandwidth_gb_s": 2 * nbytes / (copy_ms * 1e-3) / 1e9,
        "matmul_bf16_n": n,
        "matmul_bf16_ms": mm_ms,
        "matmul_bf16_tflop_s": 2 * n**3 / (mm_ms * 1e-3) / 1e12,
    }


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cuda")
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args(argv)
    args.threads = None
    device = harness.device_from_args(args)
    report = {"machine": harness.machine_info(device), "probe": probe(device)}
    pr = report["probe"]
    print(f"{harness.format_machine(report['machine'])}\n"
          f"copy {pr['copy_bandwidth_gb_s']:.0f} GB/s (read + write), bf16 matmul {pr['matmul_bf16_tflop_s']:.1f} TFLOP/s "
          f"(n = {pr['matmul_bf16_n']})")
    if args.json is not None:
        harness.write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
