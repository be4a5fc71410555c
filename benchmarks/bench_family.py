"""The model family's size and speed table (docs/family.md): parameters, GFLOPs and CPU
inference time of each model on one 320x180 image.

Each row builds the model with its paper configuration and random weights, counts the
parameters, counts the FLOPs of one forward on a 320x180 (W x H) LR input with
``torch.utils.flop_counter.FlopCounterMode`` (2 per multiply-add; the convs and matmuls -
element-wise work, pooling and the fused attention ops are not counted), and times that
forward in eval mode under ``torch.no_grad()`` (one warm-up call, then ``--repeats`` calls;
the median is reported). Pre-upsampling models (SRCNN, DRRN) run on the bicubic-upscaled
image, i.e. on 1280x720 at x4. Rows are written as JSON with the machine
(benchmarks/harness.py).

Usage::

    python benchmarks/bench_family.py [--models SRCNN,RCAN] [--repeats 1] [--threads 1] [--quick]
                                      [--out benchmarks/results/cpu_family.json]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import harness  # noqa: E402
from srgan_cpp import models  # noqa: E402

LR_SIZE = (180, 320)  # H, W of the LR input


@dataclass(frozen=True)
class Row:
    """One model of the table: how to build it, what it is called, how it takes its input."""

    build: Callable[..., nn.Module]
    kwargs: Mapping[str, Any]
    config: str
    scale: int
    channels: int = 3
    pre_upsampled: bool = False  # works on the bicubic-upscaled image (HR size)
    quick_kwargs: Optional[Mapping[str, Any]] = None


ROWS: Dict[str, Row] = {
    "SRCNN": Row(models.SRCNN, dict(in_channels=1, kernel_sizes="9-5-5"), "9-5-5, 64-32, Y channel", 4, 1, True,
                 dict(in_channels=1, features=(4, 2))),
    "EDSR": Row(models.EDSR, dict(num_feat=64, num_block=16, upscale=4), "baseline: 16 blocks, 64 features", 4,
                quick_kwargs=dict(num_feat=4, num_block=1, upscale=4)),
    "RCAN": Row(models.RCAN, dict(upscale=4), "10 groups x 20 RCABs, 64 features, r=16", 4,
                quick_kwargs=dict(num_feat=4, num_group=1, num_block=1, squeeze_factor=2, upscale=4)),
    "RDN": Row(models.RDN, dict(upscale=4), "D=16, C=8, G=64, G0=64", 4,
               quick_kwargs=dict(num_features=4, num_blocks=1, num_layers=1, growth_rate=2, upscale=4)),
    "DRRN": Row(models.DRRN, dict(), "B1U25, 128 features, Y channel", 4, 1, True,
                dict(num_feat=4, num_units=2)),
    "PAN": Row(models.PAN, dict(scale=4), "nf=40, unf=24, 16 SCPA blocks", 4,
               quick_kwargs=dict(nf=4, unf=2, nb=1, scale=4)),
}


def measure(name: str, row: Row, repeats: int, quick: bool) -> Dict[str, Any]:
    torch.manual_seed(0)
    kwargs = dict(row.quick_kwargs if quick and row.quick_kwargs is not None else row.kwargs)
    model = row.build(**kwargs).eval()
    h, w = (12, 16) if quick else LR_SIZE
    if row.pre_upsampled:
        h, w = h * row.scale, w * row.scale
    x = torch.rand(1, row.channels, h, w)
    with torch.no_grad():
        with FlopCounterMode(display=False) as counter:
            model(x)
        flops = counter.get_total_flops()
        times: List[float] = []
        for i in range(repeats + 1):  # the first call warms up (allocator, oneDNN primitives)
            t = time.perf_counter()
            out = model(x)
            if i:
                times.append((time.perf_counter() - t) * 1e3)
    return {"model": name, "config": row.config, "kwargs": kwargs, "scale": row.scale,
            "input": [1, row.channels, h, w], "output": list(out.shape),
            "params": sum(p.numel() for p in model.parameters()), "gflops": round(flops / 1e9, 2),
            "cpu_ms": round(statistics.median(times), 1), "cpu_ms_all": [round(t, 1) for t in times]}


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default=",".join(ROWS), help="comma-separated subset of: " + ", ".join(ROWS))
    p.add_argument("--repeats", type=int, default=1, help="timed calls per model (after one warm-up)")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: unchanged)")
    p.add_argument("--quick", action="store_true", help="tiny models and inputs: checks that the script runs")
    p.add_argument("--out", type=Path, default=None, help="JSON path (default benchmarks/results/cpu_family.json)")
    args = p.parse_args(argv)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in ROWS]
    if unknown:
        p.error(f"--models: unknown {unknown}; choose from {list(ROWS)}")
    if args.repeats < 1:
        p.error("--repeats: must be >= 1")
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    rows = []
    for name in names:
        rows.append(measure(name, ROWS[name], args.repeats, args.quick))
        r = rows[-1]
        print(f"{name:6s} {r['params']:>11,d} params  {r['gflops']:>9.1f} GFLOPs  {r['cpu_ms']:>10.1f} ms", flush=True)
    report = {"schema_version": 1, "benchmark": "family", "machine": harness.machine_info(torch.device("cpu")),
              "config": {"lr_input_hw": list(LR_SIZE), "repeats": args.repeats, "quick": args.quick}, "rows": rows}
    out = args.out or _HERE / "results" / f"cpu_family{'-quick' if args.quick else ''}.json"
    harness.write_json(out, report)
    print(f"wrote {out}")
    return report


if __name__ == "__main__":
    main()
