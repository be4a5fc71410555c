"""Benchmark srgan_cpp's pixel-shuffle ops against eager PyTorch and torch.compile.

Cases (each in NCHW and channels_last; float32, plus float16/bfloat16 on CUDA):

* ``pixel_shuffle``       - ``ops.pixel_shuffle(x, r)`` vs ``F.pixel_shuffle(x, r)``.
* ``shuffle_prelu``       - SRGAN/SRResNet upsampler tail: ``fused_pixel_shuffle(x, r,
  activation="prelu", prelu_weight=w)`` with one PReLU weight vs ``F.prelu(F.pixel_shuffle(x, r), w)``.
* ``shuffle_bias_prelu``  - the same with the conv bias folded in:
  ``F.prelu(F.pixel_shuffle(x + b[:, None, None], r), w)``.
* ``shuffle_residual``    - SRVGGNetCompact tail: ``F.pixel_shuffle(x, r) + base`` where
  ``base`` is the nearest-upsampled LR image (a constant: it needs no grad).

Sizes (N, C*r*r, H, W), r:

* (16, 256, 48, 48), 2 - SRGAN/SRResNet upsampler, training batch of 96-px HR patches;
* (16, 256, 64, 64), 2 - the same at 128-px HR patches;
* (1, 256, 256, 256), 2 - inference on a 256-px LR image;
* (1, 48, 256, 256), 4 and (16, 48, 64, 64), 4 - SRVGGNetCompact x4 tail (inference, training).

Usage::

    python benchmarks/bench_pixel_shuffle.py [--device cpu|cuda] [--quick] [--no-compile]
                                             [--out benchmarks/results/<name>.json]
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
#: (input shape, upscale factor)
Size = Tuple[Shape, int]

LAYOUTS: Dict[str, torch.memory_format] = {
    "nchw": torch.contiguous_format,
    "channels_last": torch.channels_last,
}

#: Full-run sizes per case family.
PRELU_SIZES: Tuple[Size, ...] = (((16, 256, 48, 48), 2), ((16, 256, 64, 64), 2), ((1, 256, 256, 256), 2))
SHUFFLE_SIZES: Tuple[Size, ...] = PRELU_SIZES + (((1, 48, 256, 256), 4),)
RESIDUAL_SIZES: Tuple[Size, ...] = (((1, 48, 256, 256), 4), ((16, 48, 64, 64), 4))

#: --quick sizes: tiny, only to exercise the harness.
QUICK_PRELU_SIZES: Tuple[Size, ...] = (((2, 16, 8, 8), 2),)
QUICK_RESIDUAL_SIZES: Tuple[Size, ...] = (((1, 12, 8, 8), 2),)

FAMILIES: Tuple[str, ...] = ("pixel_shuffle", "shuffle_prelu", "shuffle_bias_prelu", "shuffle_residual")


# ----------------------------------------------------------------------------------------
# Implementations (r is bound by closure so every argument is a tensor)
# ----------------------------------------------------------------------------------------


def _shuffle_impls(r: int) -> Tuple[Callable[..., Tensor], Callable[..., Tensor]]:
    """(ours, eager) for plain pixel shuffle."""

    def ours(x: Tensor) -> Tensor:
        return ops.pixel_shuffle(x, r)

    def eager(x: Tensor) -> Tensor:
        return F.pixel_shuffle(x, r)

    return ours, eager


def _prelu_impls(r: int) -> Tuple[Callable[..., Tensor], Callable[..., Tensor]]:
    """(ours, eager) for shuffle + PReLU."""

    def ours(x: Tensor, w: Tensor) -> Tensor:
        return ops.fused_pixel_shuffle(x, r, activation="prelu", prelu_weight=w)

    def eager(x: Tensor, w: Tensor) -> Tensor:
        return F.prelu(F.pixel_shuffle(x, r), w)

    return ours, eager


def _bias_prelu_impls(r: int) -> Tuple[Callable[..., Tensor], Callable[..., Tensor]]:
    """(ours, eager) for bias + shuffle + PReLU."""

    def ours(x: Tensor, b: Tensor, w: Tensor) -> Tensor:
        return ops.fused_pixel_shuffle(x, r, bias=b, activation="prelu", prelu_weight=w)

    def eager(x: Tensor, b: Tensor, w: Tensor) -> Tensor:
        return F.prelu(F.pixel_shuffle(x + b[:, None, None], r), w)

    return ours, eager


def _residual_impls(r: int) -> Tuple[Callable[..., Tensor], Callable[..., Tensor]]:
    """(ours, eager) for shuffle + residual add."""

    def ours(x: Tensor, base: Tensor) -> Tensor:
        return ops.fused_pixel_shuffle(x, r, residual=base)

    def eager(x: Tensor, base: Tensor) -> Tensor:
        return F.pixel_shuffle(x, r) + base

    return ours, eager


_IMPL_FACTORIES: Dict[str, Callable[[int], Tuple[Callable[..., Tensor], Callable[..., Tensor]]]] = {
    "pixel_shuffle": _shuffle_impls,
    "shuffle_prelu": _prelu_impls,
    "shuffle_bias_prelu": _bias_prelu_impls,
    "shuffle_residual": _residual_impls,
}

_DESCRIPTIONS: Dict[str, str] = {
    "pixel_shuffle": "ops.pixel_shuffle vs F.pixel_shuffle",
    "shuffle_prelu": "fused shuffle+PReLU(1 weight) vs F.prelu(F.pixel_shuffle(x, r), w)",
    "shuffle_bias_prelu": "fused bias+shuffle+PReLU vs F.prelu(F.pixel_shuffle(x + b[:, None, None], r), w)",
    "shuffle_residual": "fused shuffle+residual vs F.pixel_shuffle(x, r) + base (base needs no grad)",
}


# ----------------------------------------------------------------------------------------
# Inputs
# ----------------------------------------------------------------------------------------


def _randn(shape: Sequence[int], seed: int, dtype: torch.dtype, device: torch.device, scale: float = 1.0) -> Tensor:
    """Seeded N(0, scale^2) values, generated in float32 on the CPU so every device and dtype
    sees the same numbers."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(list(shape), generator=g, dtype=torch.float32) * scale).to(device=device, dtype=dtype)


def _leaf(t: Tensor, requires_grad: bool) -> Tensor:
    return t.detach().requires_grad_(requires_grad)


def _make_input_factory(
    family: str, shape: Shape, r: int, dtype: torch.dtype, layout: str
) -> harness.InputFactory:
    """Positional inputs of ``family``: x, then (b,) (w,) or (base,) as the family needs."""
    fmt = LAYOUTS[layout]
    n, c, h, w = shape
    c_out = c // (r * r)

    def make(device: torch.device, requires_grad: bool) -> Tuple[Any, ...]:
        x = _leaf(_randn(shape, 0, dtype, device).contiguous(memory_format=fmt), requires_grad)
        weight = _leaf(torch.full((1,), 0.25, dtype=dtype, device=device), requires_grad)  # nn.PReLU's init
        if family == "pixel_shuffle":
            return (x,)
        if family == "shuffle_prelu":
            return (x, weight)
        if family == "shuffle_bias_prelu":
            bias = _leaf(_randn((c,), 1, dtype, device, scale=0.1), requires_grad)
            return (x, bias, weight)
        if family == "shuffle_residual":
            lr = _randn((n, c_out, h, w), 2, dtype, device)
            base = F.interpolate(lr, scale_factor=r, mode="nearest").contiguous(memory_format=fmt)
            return (x, base)
        raise ValueError(f"unknown case family {family!r}")

    return make


# ----------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------


def make_case(family: str, shape: Shape, r: int, dtype: torch.dtype, layout: str) -> Case:
    """One case: ours, eager and torch.compile(eager) on the same inputs."""
    ours, eager = _IMPL_FACTORIES[family](r)
    return Case(
        name=family,
        params={"shape": list(shape), "r": r, "dtype": str(dtype).replace("torch.", ""), "layout": layout},
        make_inputs=_make_input_factory(family, shape, r, dtype, layout),
        impls=(Impl("ours", ours), Impl("eager", eager), Impl("compile", eager, compiled=True)),
        baseline="eager",
        description=_DESCRIPTIONS[family],
    )


def _family_sizes(family: str, quick: bool) -> Tuple[Size, ...]:
    if quick:
        return QUICK_RESIDUAL_SIZES if family == "shuffle_residual" else QUICK_PRELU_SIZES
    if family == "pixel_shuffle":
        return SHUFFLE_SIZES
    return RESIDUAL_SIZES if family == "shuffle_residual" else PRELU_SIZES


def build_cases(
    quick: bool, families: Sequence[str], dtypes: Sequence[torch.dtype], layouts: Sequence[str] = tuple(LAYOUTS)
) -> List[Case]:
    """Every (family, size, dtype, layout) combination, in a stable order."""
    return [
        make_case(family, shape, r, dtype, layout)
        for family in families
        for shape, r in _family_sizes(family, quick)
        for dtype in dtypes
        for layout in layouts
    ]


def default_dtypes(device: torch.device) -> List[torch.dtype]:
    """float32 everywhere; float16 and bfloat16 as well on CUDA."""
    if device.type == "cuda":
        return [torch.float32, torch.float16, torch.bfloat16]
    return [torch.float32]


# ----------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_common_args(p, "benchmarks/results/<device>[-quick].json")
    p.add_argument("--cases", nargs="+", choices=FAMILIES, default=list(FAMILIES), help="case families to run")
    p.add_argument("--layouts", nargs="+", choices=tuple(LAYOUTS), default=list(LAYOUTS), help="memory layouts to run")
    p.add_argument("--dtypes", nargs="+", choices=("float32", "float16", "bfloat16", "float64"), default=None)
    p.add_argument("--warmup", type=int, default=None, help="untimed calls before timing")
    p.add_argument(
        "--forward-context", choices=("no_grad", "inference_mode"), default="no_grad",
        help="autograd context of the forward-only mode",
    )
    return p.parse_args(argv)


def timing_config(args: argparse.Namespace) -> TimingConfig:
    """Quick: 1 warmup, 3 short samples. Full: 3 warmups, 15 samples of >= 20 ms each."""
    base = TimingConfig(warmup=1, repeats=3, min_sample_ms=1.0, max_inner=10) if args.quick else TimingConfig()
    return TimingConfig(
        warmup=base.warmup if args.warmup is None else args.warmup,
        repeats=base.repeats if args.repeats is None else args.repeats,
        min_sample_ms=base.min_sample_ms,
        max_inner=base.max_inner,
    )


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Runs the benchmark, prints the table and writes the JSON; returns the report."""
    args = parse_args(argv)
    deadline = harness.deadline_from_args(args)
    device = harness.device_from_args(args)
    dtypes = [getattr(torch, d) for d in args.dtypes] if args.dtypes else default_dtypes(device)
    cfg = RunConfig(
        device=device,
        timing=timing_config(args),
        use_compile=not args.no_compile,
        forward_context=args.forward_context,
        verbose=not args.quiet,
        deadline=deadline,
    )
    cases = build_cases(args.quick, args.cases, dtypes, args.layouts)
    results = harness.run_cases(cases, cfg)
    out = args.out or _HERE / "results" / f"{device.type}{'-quick' if args.quick else ''}.json"
    return harness.report_and_save("pixel_shuffle", results, cfg, Path(out), quick=args.quick)


if __name__ == "__main__":
    main()
