"""Benchmark srgan_cpp's fused HetConv op against the usual PyTorch emulations.

Implementations, side by side in one run (ratio = median(other) / median(ours), > 1: ours faster):

* ``ours``          - ``ops.het_conv2d(x, w3, w1, b, P)``: a grouped 3x3 conv plus one
  GEMM accumulated in place, in the input's own layout;
* ``masked_dense``  - (a) ``conv2d(x, dense(w3, w1) * mask, b, padding=1)``: the dense conv
  with the heterogeneous mask (the reference the harness checks everyone against);
* ``grouped_1x1``   - (b) ``conv2d(x, w3, b, groups=P) + conv2d(x, full(w1) * mask1)``: the
  "efficient HetConv" two-conv emulation with the overlapping 1x1 weights masked;
* ``compile_b``     - ``torch.compile`` of (b);
* ``alt_exact``     - the exact-FLOP alternative to ``ours``'s 1x1 GEMM: a grouped conv plus
  2P per-group GEMMs that skip each group's own channels (written with torch ops);
* ``dense``         - (c) a dense 3x3 conv of the same width on its own weight, initialised
  to the re-parameterised HetConv weight: its forward *is* re-parameterised inference and
  equals ours; in forward_backward its weight gradient is, by construction, a different
  tensor, so it is reported as "not matching".

The dense weights of (a) and (b) are assembled from (w3, w1) inside the timed function (a
few small tensor ops, ~0.1 ms), so every implementation trains the same parameters and the
harness compares all outputs and gradients.

Sizes: 64 channels, batch 16, 96x96 and 128x128 patches (SR training), P = 4, NCHW and
channels_last; with ``--sweep`` also P in {2, 8, 64 (= in: depthwise + pointwise)} at 96x96
channels_last.

Usage::

    python benchmarks/bench_het_conv.py [--device cpu|cuda] [--quick] [--sweep] [--no-compile] [--out PATH]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor

_HERE = Path(__file__).resolve().parent
if str(_HERE) not in sys.path:
    sys.path.insert(0, str(_HERE))

import harness  # noqa: E402
from harness import Case, Impl, RunConfig, TimingConfig  # noqa: E402
from srgan_cpp import ops  # noqa: E402

LAYOUTS: Dict[str, torch.memory_format] = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}

#: (N, C, H, W, P, layout)
FULL: Tuple[Tuple[int, int, int, int, int, str], ...] = tuple(
    (16, 64, s, s, 4, layout) for s in (96, 128) for layout in LAYOUTS
)
SWEEP: Tuple[Tuple[int, int, int, int, int, str], ...] = tuple((16, 64, 96, 96, p, "channels_last") for p in (2, 8, 64))
QUICK: Tuple[Tuple[int, int, int, int, int, str], ...] = ((2, 16, 12, 12, 4, "nchw"), (2, 16, 12, 12, 4, "channels_last"))


# ----------------------------------------------------------------------------------------
# Emulations, in plain PyTorch
# ----------------------------------------------------------------------------------------


def full_one_by_one(w1: Tensor, parts: int) -> Tensor:
    """(out, in - cg) -> (out, in) with zero diagonal blocks (torch.cat, differentiable)."""
    out, k = w1.shape
    cin = k * parts // (parts - 1) if parts > 1 else k
    cg, og = cin // parts, out // parts
    zeros = w1.new_zeros(og, cg)
    rows = [torch.cat([w1[g * og:(g + 1) * og, : g * cg], zeros, w1[g * og:(g + 1) * og, g * cg:]], 1)
            for g in range(parts)]
    return torch.cat(rows, 0)


def dense_of(w3: Tensor, w1: Tensor, parts: int) -> Tensor:
    """The dense (out, in, 3, 3) weight (torch.cat/pad, differentiable)."""
    out, cg = w3.shape[:2]
    og = out // parts
    rows = []
    for g in range(parts):
        r = slice(g * og, (g + 1) * og)
        centre = F.pad(w1[r, :, None, None], (1, 1, 1, 1))
        rows.append(torch.cat([centre[:, : g * cg], w3[r], centre[:, g * cg:]], 1))
    return torch.cat(rows, 0)


def het_masks(cin: int, cout: int, parts: int, dtype: torch.dtype, device: torch.device) -> Tuple[Tensor, Tensor]:
    """(dense 3x3 mask, 1x1 mask): 1 where HetConv has a weight."""
    m1 = torch.ones(cout, cin, dtype=dtype, device=device)
    cg, og = cin // parts, cout // parts
    for g in range(parts):
        m1[g * og:(g + 1) * og, g * cg:(g + 1) * cg] = 0
    m3 = torch.zeros(cout, cin, 3, 3, dtype=dtype, device=device)
    m3[:, :, 1, 1] = m1
    for g in range(parts):
        m3[g * og:(g + 1) * og, g * cg:(g + 1) * cg] = 1
    return m3, m1


def make_impls(cin: int, cout: int, parts: int, dtype: torch.dtype, device: torch.device) -> Tuple[Impl, ...]:
    m3, m1 = het_masks(cin, cout, parts, dtype, device)
    cg, og = cin // parts, cout // parts

    def ours(x: Tensor, w3: Tensor, w1: Tensor, b: Tensor, wd: Tensor) -> Tensor:
        return ops.het_conv2d(x, w3, w1, b, parts)

    def masked_dense(x: Tensor, w3: Tensor, w1: Tensor, b: Tensor, wd: Tensor) -> Tensor:
        return F.conv2d(x, dense_of(w3, w1, parts) * m3, b, padding=1)

    def grouped_1x1(x: Tensor, w3: Tensor, w1: Tensor, b: Tensor, wd: Tensor) -> Tensor:
        y = F.conv2d(x, w3, b, padding=1, groups=parts)
        if parts == 1:
            return y
        return y + F.conv2d(x, (full_one_by_one(w1, parts) * m1)[:, :, None, None])

    def alt_exact(x: Tensor, w3: Tensor, w1: Tensor, b: Tensor, wd: Tensor) -> Tensor:
        xc = x.contiguous(memory_format=torch.channels_last)
        y = F.conv2d(xc, w3, b, padding=1, groups=parts).contiguous(memory_format=torch.channels_last)
        n, _, h, w = y.shape
        x2 = xc.permute(0, 2, 3, 1).reshape(-1, cin)
        parts_out = []
        for g in range(parts):
            lo, hi = g * cg, (g + 1) * cg
            wg = w1[g * og:(g + 1) * og]
            acc = y.permute(0, 2, 3, 1).reshape(-1, cout)[:, g * og:(g + 1) * og]
            if lo > 0:
                acc = torch.addmm(acc, x2[:, :lo], wg[:, :lo].t())
            if hi < cin:
                acc = torch.addmm(acc, x2[:, hi:], wg[:, lo:].t())
            parts_out.append(acc)
        return torch.cat(parts_out, 1).view(n, h, w, cout).permute(0, 3, 1, 2)

    def dense(x: Tensor, w3: Tensor, w1: Tensor, b: Tensor, wd: Tensor) -> Tensor:
        return F.conv2d(x, wd, b, padding=1)

    return (Impl("ours", ours), Impl("masked_dense", masked_dense), Impl("grouped_1x1", grouped_1x1),
            Impl("compile_b", grouped_1x1, compiled=True), Impl("alt_exact", alt_exact), Impl("dense", dense))


def make_case(n: int, c: int, h: int, w: int, parts: int, layout: str, dtype: torch.dtype, device: torch.device) -> Case:
    fmt = LAYOUTS[layout]

    def make(dev: torch.device, requires_grad: bool) -> Tuple[Any, ...]:
        g = torch.Generator().manual_seed(0)
        fan_in = 9 * c // parts + c - c // parts
        bound = fan_in ** -0.5

        def u(*shape: int) -> Tensor:
            return ((torch.rand(*shape, generator=g) * 2 - 1) * bound).to(device=dev, dtype=dtype)

        x = torch.randn(n, c, h, w, generator=g).to(device=dev, dtype=dtype).contiguous(memory_format=fmt)
        w3, w1, b = u(c, c // parts, 3, 3), u(c, c - c // parts), u(c)
        wd = ops.het_conv2d_to_dense(w3, w1, parts)
        return tuple(t.detach().requires_grad_(requires_grad) for t in (x, w3, w1, b, wd))

    return Case(
        name="het_conv2d",
        params={"shape": [n, c, h, w], "parts": parts, "dtype": str(dtype).replace("torch.", ""), "layout": layout},
        make_inputs=make,
        impls=make_impls(c, c, parts, dtype, device),
        baseline="masked_dense",
        description="HetConv 3x3/1x1, stride 1: fused op vs (a) masked dense, (b) grouped+1x1, (c) dense",
    )


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_common_args(p, "benchmarks/results/<device>_het_conv.json")
    p.add_argument("--dtype", choices=("float32", "float16", "bfloat16"), default="float32")
    p.add_argument("--sweep", action="store_true", help="also P in {2, 8, 64} at 96x96 channels_last")
    p.add_argument("--sweep-only", action="store_true", help="only the P sweep")
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    """Runs the benchmark, prints the table and writes the JSON; returns the report."""
    args = parse_args(argv)
    deadline = harness.deadline_from_args(args)
    device = harness.device_from_args(args)
    dtype = getattr(torch, args.dtype)
    # Each call of these sizes lasts 0.1-1 s on a CPU: few, single-call samples suffice.
    timing = (TimingConfig(warmup=1, repeats=3, min_sample_ms=1.0, max_inner=10) if args.quick
              else TimingConfig(warmup=1, repeats=5 if device.type == "cpu" else 15, min_sample_ms=20.0))
    if args.repeats is not None:
        timing = TimingConfig(warmup=timing.warmup, repeats=args.repeats, min_sample_ms=timing.min_sample_ms,
                              max_inner=timing.max_inner)
    cfg = RunConfig(device=device, timing=timing, use_compile=not args.no_compile, verbose=not args.quiet,
                    deadline=deadline)
    sizes = QUICK if args.quick else (() if args.sweep_only else FULL) + (SWEEP if args.sweep or args.sweep_only else ())
    cases = [make_case(*size, dtype, device) for size in sizes]
    results = harness.run_cases(cases, cfg)
    out = args.out or _HERE / "results" / f"{device.type}_het_conv{'-quick' if args.quick else ''}.json"
    return harness.report_and_save("het_conv", results, cfg, Path(out), quick=args.quick)


if __name__ == "__main__":
    main()
