"""Benchmark srgan_cpp's fused LISTA shrinkage (SCN's sparse-coding stage) against eager
PyTorch and torch.compile.

One case per size and layout: a LISTA stage's threshold ``h_theta(W y + S z)`` on the two
conv outputs, i.e. ``ops.lista_shrinkage(sz, theta, wy)`` vs the eager composite
``torch.sign(a) * torch.relu(a.abs() - theta.view(1, -1, 1, 1))`` with ``a = sz + wy``
(``compile``: torch.compile of the composite). Forward and forward+backward (all three
inputs require grad, as in training). Sizes: SCN's 128 codes on a training batch of
16 x 33 x 33 patches and on one 256 x 256 image; NCHW and channels_last.

Usage::

    python benchmarks/bench_lista_shrinkage.py [--device cpu|cuda] [--quick] [--no-compile] [--out PATH]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from torch import Tensor

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import harness  # noqa: E402
from harness import Case, Impl, RunConfig, TimingConfig  # noqa: E402
from srgan_cpp import ops  # noqa: E402

LAYOUTS = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}
SIZES: Tuple[Tuple[int, ...], ...] = ((16, 128, 33, 33), (1, 128, 256, 256))
QUICK_SIZES: Tuple[Tuple[int, ...], ...] = ((2, 8, 6, 6),)


def eager_stage(sz: Tensor, theta: Tensor, wy: Tensor) -> Tensor:
    """The eager composite of one LISTA stage's shrinkage."""
    a = sz + wy
    return torch.sign(a) * torch.relu(a.abs() - theta.view(1, -1, 1, 1))


def fused_stage(sz: Tensor, theta: Tensor, wy: Tensor) -> Tensor:
    return ops.lista_shrinkage(sz, theta, wy)


def shrinkage_case(shape: Tuple[int, ...], layout: str, dtype: torch.dtype, use_compile: bool) -> Case:
    fmt = LAYOUTS[layout]

    def make(device: torch.device, requires_grad: bool) -> Tuple[Any, ...]:
        g = torch.Generator().manual_seed(0)
        sz, wy = (torch.randn(list(shape), generator=g).to(device=device, dtype=dtype).contiguous(memory_format=fmt)
                  for _ in range(2))
        theta = (torch.rand(shape[1], generator=g) * 0.5).to(device=device, dtype=dtype)
        return tuple(t.requires_grad_(requires_grad) for t in (sz, theta, wy))

    impls = [Impl("ours", fused_stage), Impl("eager", eager_stage)]
    if use_compile:
        impls.append(Impl("compile", eager_stage, compiled=True))
    return Case(name="lista_shrinkage", params={"shape": list(shape), "layout": layout,
                                                "dtype": str(dtype).replace("torch.", "")},
                make_inputs=make, impls=tuple(impls), baseline="eager",
                description="fused LISTA stage shrinkage h(W y + S z) vs the eager composite")


def build_cases(quick: bool, dtypes: Sequence[torch.dtype], use_compile: bool) -> List[Case]:
    return [shrinkage_case(s, layout, d, use_compile) for s in (QUICK_SIZES if quick else SIZES)
            for layout in LAYOUTS for d in dtypes]


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_common_args(p, "benchmarks/results/<device>_lista_shrinkage.json")
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    deadline = harness.deadline_from_args(args)
    device = harness.device_from_args(args)
    dtypes = [torch.float32, torch.bfloat16] if not args.quick else [torch.float32]
    base = TimingConfig(warmup=1, repeats=3, min_sample_ms=1.0, max_inner=10) if args.quick else TimingConfig(repeats=9)
    timing = TimingConfig(warmup=base.warmup, repeats=args.repeats or base.repeats, min_sample_ms=base.min_sample_ms,
                          max_inner=base.max_inner)
    cfg = RunConfig(device=device, timing=timing, use_compile=not args.no_compile, verbose=not args.quiet,
                    deadline=deadline)
    results = harness.run_cases(build_cases(args.quick, dtypes, not args.no_compile), cfg)
    out = args.out or _HERE / "results" / f"{device.type}{'-quick' if args.quick else ''}_lista_shrinkage.json"
    return harness.report_and_save("lista_shrinkage", results, cfg, Path(out), quick=args.quick)


if __name__ == "__main__":
    main()
