"""Benchmark srgan_cpp's fused attention ops against eager PyTorch and torch.compile.

Cases (NCHW and channels_last, float32; float16/bfloat16 as well on CUDA):

* ``channel_attention`` - RCAN's channel attention: ``ops.channel_attention(x, w1, b1, w2,
  b2)`` vs BasicSR's composite ``x * sigmoid(conv1x1(relu(conv1x1(avgpool(x)))))``.
* ``pixel_attention``   - PAN's gate -> product: ``ops.pixel_attention(x, z, b)`` vs
  ``x * sigmoid(z + b)``, z the output of the 1x1 conv (run without its bias; the conv
  itself is outside the case, the same for every implementation).
* ``spatial_gate``      - the product of a spatial-attention map, one gate per pixel:
  ``ops.pixel_attention(x, z)`` vs ``x * sigmoid(z)``, z of shape (N, 1, H, W).

Sizes (N, C, H, W), from the models that use them:

* channel_attention: (16, 64, 48, 48) - an RCAB in RCAN training (48-px LR patches, batch 16);
  (1, 64, 180, 320) - RCAN inference on a 320x180 image.
* pixel_attention: (32, 20, 64, 64) - PAN's PAConv in training (64-px LR patches, batch 32);
  (32, 24, 128, 128) - its first x2 up-sampling stage; (1, 24, 360, 640) - that stage at
  inference on a 320x180 image.
* spatial_gate: (16, 64, 48, 48) and (1, 64, 180, 320).

Usage::

    python benchmarks/bench_attention.py [--device cpu|cuda] [--quick] [--no-compile] [--threads N]
                                         [--out benchmarks/results/<device>_attention.json]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import harness  # noqa: E402
from harness import Case, Impl, RunConfig, TimingConfig  # noqa: E402
from srgan_cpp import ops  # noqa: E402

Shape = Tuple[int, int, int, int]
LAYOUTS: Dict[str, torch.memory_format] = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}
FAMILIES: Tuple[str, ...] = ("channel_attention", "pixel_attention", "spatial_gate")
SIZES: Dict[str, Tuple[Shape, ...]] = {
    "channel_attention": ((16, 64, 48, 48), (1, 64, 180, 320)),
    "pixel_attention": ((32, 20, 64, 64), (32, 24, 128, 128), (1, 24, 360, 640)),
    "spatial_gate": ((16, 64, 48, 48), (1, 64, 180, 320)),
}
QUICK_SIZES: Dict[str, Tuple[Shape, ...]] = {f: ((2, 16, 8, 8),) for f in FAMILIES}
SQUEEZE = 16  # RCAN's channel reduction


def _eager_channel_attention(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) -> Tensor:
    y = F.adaptive_avg_pool2d(x, 1)
    return x * torch.sigmoid(F.conv2d(F.relu(F.conv2d(y, w1, b1)), w2, b2))


def _eager_pixel_attention(x: Tensor, z: Tensor, b: Tensor) -> Tensor:
    return x * torch.sigmoid(z + b.view(1, -1, 1, 1))


def _eager_spatial_gate(x: Tensor, z: Tensor) -> Tensor:
    return x * torch.sigmoid(z)


_IMPLS: Dict[str, Tuple[Callable[..., Tensor], Callable[..., Tensor]]] = {
    "channel_attention": (ops.channel_attention, _eager_channel_attention),
    "pixel_attention": (ops.pixel_attention, _eager_pixel_attention),
    "spatial_gate": (lambda x, z: ops.pixel_attention(x, z), _eager_spatial_gate),
}
_DESCRIPTIONS = {
    "channel_attention": "RCAN channel attention: pool -> 1x1 -> relu -> 1x1 -> sigmoid -> scale",
    "pixel_attention": "PAN pixel attention gate: x * sigmoid(z + b)",
    "spatial_gate": "spatial attention product: x * sigmoid(z), z (N, 1, H, W)",
}


def _randn(shape: Sequence[int], seed: int, dtype: torch.dtype, device: torch.device, scale: float = 1.0) -> Tensor:
    """Seeded N(0, scale^2) values generated on the CPU, so every device and dtype sees the same numbers."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(list(shape), generator=g, dtype=torch.float32) * scale).to(device=device, dtype=dtype)


def _make_input_factory(family: str, shape: Shape, dtype: torch.dtype, layout: str) -> harness.InputFactory:
    fmt = LAYOUTS[layout]
    n, c, h, w = shape

    def make(device: torch.device, requires_grad: bool) -> Tuple[Any, ...]:
        def leaf(t: Tensor) -> Tensor:
            return t.detach().requires_grad_(requires_grad)

        x = leaf(_randn(shape, 0, dtype, device).contiguous(memory_format=fmt))
        if family == "channel_attention":
            cr = max(1, c // SQUEEZE)
            return (x, leaf(_randn((cr, c, 1, 1), 1, dtype, device, 0.2)), leaf(_randn((cr,), 2, dtype, device, 0.1)),
                    leaf(_randn((c, cr, 1, 1), 3, dtype, device, 0.2)), leaf(_randn((c,), 4, dtype, device, 0.1)))
        gate_c = c if family == "pixel_attention" else 1
        z = leaf(_randn((n, gate_c, h, w), 5, dtype, device).contiguous(memory_format=fmt))
        if family == "pixel_attention":
            return (x, z, leaf(_randn((c,), 6, dtype, device, 0.1)))
        return (x, z)

    return make


def make_case(family: str, shape: Shape, dtype: torch.dtype, layout: str) -> Case:
    """One case: ours, eager and torch.compile(eager) on the same inputs."""
    ours, eager = _IMPLS[family]
    return Case(name=family, params={"shape": list(shape), "dtype": str(dtype).replace("torch.", ""), "layout": layout},
                make_inputs=_make_input_factory(family, shape, dtype, layout),
                impls=(Impl("ours", ours), Impl("eager", eager), Impl("compile", eager, compiled=True)),
                baseline="eager", description=_DESCRIPTIONS[family])


def build_cases(quick: bool, families: Sequence[str], dtypes: Sequence[torch.dtype],
                layouts: Sequence[str] = tuple(LAYOUTS)) -> List[Case]:
    sizes = QUICK_SIZES if quick else SIZES
    return [make_case(f, s, d, layout) for f in families for s in sizes[f] for d in dtypes for layout in layouts]


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_common_args(p, "benchmarks/results/<device>_attention[-quick].json")
    p.add_argument("--cases", nargs="+", choices=FAMILIES, default=list(FAMILIES), help="case families to run")
    p.add_argument("--layouts", nargs="+", choices=tuple(LAYOUTS), default=list(LAYOUTS), help="memory layouts to run")
    p.add_argument("--dtypes", nargs="+", choices=("float32", "float16", "bfloat16", "float64"), default=None)
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Runs the benchmark, prints the table and writes the JSON; returns the report."""
    args = parse_args(argv)
    deadline = harness.deadline_from_args(args)
    device = harness.device_from_args(args)
    if args.dtypes:
        dtypes = [getattr(torch, d) for d in args.dtypes]
    else:
        dtypes = [torch.float32, torch.float16, torch.bfloat16] if device.type == "cuda" else [torch.float32]
    base = TimingConfig(warmup=1, repeats=3, min_sample_ms=1.0, max_inner=10) if args.quick else TimingConfig()
    timing = TimingConfig(warmup=base.warmup, repeats=base.repeats if args.repeats is None else args.repeats,
                          min_sample_ms=base.min_sample_ms, max_inner=base.max_inner)
    cfg = RunConfig(device=device, timing=timing, use_compile=not args.no_compile, verbose=not args.quiet,
                    deadline=deadline)
    results = harness.run_cases(build_cases(args.quick, args.cases, dtypes, args.layouts), cfg)
    out = args.out or _HERE / "results" / f"{device.type}_attention{'-quick' if args.quick else ''}.json"
    return harness.report_and_save("attention", results, cfg, Path(out), quick=args.quick)


if __name__ == "__main__":
    main()
