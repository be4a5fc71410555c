"""Benchmark srgan_cpp's fused loss ops against eager PyTorch and torch.compile.

Cases (float32; plus float16/bfloat16 on CUDA):

* ``gradient_cosine`` - ``ops.gradient_cosine_loss(sr, hr)`` (sobel; magnitude and
  components) vs two eager formulations of the same loss: ``eager`` computes the image
  gradient with a depthwise ``conv2d`` on the replicate-padded image (as kornia's
  ``spatial_gradient`` does), ``eager_slicing`` with shifted slices of the padded image;
  ``compile`` is ``torch.compile`` of the slicing form. ``sr`` requires grad,
  ``hr`` does not (a training step).
* ``ragan`` - ``ops.ragan_loss(real, fake)`` (generator target) vs ESRGAN's
  BCE-with-logits formulation; both logit tensors require grad.

Sizes: gradient cosine on (16, 3, 128, 128) (ESRGAN training batch of 128-px HR patches,
NCHW and channels_last) and (16, 1, 96, 96) (infrared, HetSRWGAN); RaGAN on (16, 1) (a
VGG-style discriminator) and (16, 1, 128, 128) (Real-ESRGAN's U-Net patch discriminator).

Usage::

    python benchmarks/bench_losses.py [--device cpu|cuda] [--quick] [--no-compile] [--out PATH]
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

LAYOUTS = {"nchw": torch.contiguous_format, "channels_last": torch.channels_last}
GC_SIZES: Tuple[Tuple[Tuple[int, ...], str], ...] = (((16, 3, 128, 128), "nchw"), ((16, 3, 128, 128), "channels_last"),
                                                     ((16, 1, 96, 96), "nchw"))
RAGAN_SIZES: Tuple[Tuple[int, ...], ...] = ((16, 1), (16, 1, 128, 128))
QUICK_GC_SIZES = (((2, 3, 8, 8), "nchw"),)
QUICK_RAGAN_SIZES = ((4, 1),)
_SOBEL = ([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], [[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])


# ----------------------------------------------------------------------------------------
# Eager references
# ----------------------------------------------------------------------------------------


def _sobel_conv(x: Tensor) -> Tuple[Tensor, Tensor]:
    c = x.shape[1]
    w = torch.tensor(_SOBEL, dtype=x.dtype, device=x.device).unsqueeze(1).repeat(c, 1, 1, 1)
    g = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), w, groups=c)
    return g[:, 0::2], g[:, 1::2]


def _sobel_slicing(x: Tensor) -> Tuple[Tensor, Tensor]:
    p = F.pad(x, (1, 1, 1, 1), mode="replicate")
    top, mid, bot = p[:, :, :-2], p[:, :, 1:-1], p[:, :, 2:]
    gx = (top[..., 2:] - top[..., :-2]) + 2 * (mid[..., 2:] - mid[..., :-2]) + (bot[..., 2:] - bot[..., :-2])
    left, cen, right = p[..., :-2], p[..., 1:-1], p[..., 2:]
    gy = (left[:, :, 2:] + 2 * cen[:, :, 2:] + right[:, :, 2:]) - (left[:, :, :-2] + 2 * cen[:, :, :-2] + right[:, :, :-2])
    return gx, gy


def _cosine_loss(grad_fn: Callable[[Tensor], Tuple[Tensor, Tensor]], mode: str) -> Callable[[Tensor, Tensor], Tensor]:
    def loss(sr: Tensor, hr: Tensor) -> Tensor:
        gxs, gys = grad_fn(sr)
        gxh, gyh = grad_fn(hr)
        if mode == "magnitude":
            y = torch.sqrt(gxs * gxs + gys * gys + 1e-12).flatten(1)  # eps: sqrt's gradient at 0
            x = torch.sqrt(gxh * gxh + gyh * gyh + 1e-12).flatten(1)
        else:
            y = torch.cat([gxs, gys], 1).flatten(1)
            x = torch.cat([gxh, gyh], 1).flatten(1)
        return (1 - F.cosine_similarity(x, y, dim=1, eps=1e-8)).mean()

    return loss


def _ragan_eager(real: Tensor, fake: Tensor) -> Tensor:
    """ESRGAN's generator loss (codes/models/SRGAN_model.py)."""
    lr = F.binary_cross_entropy_with_logits(real - fake.mean(), torch.zeros_like(real))
    lf = F.binary_cross_entropy_with_logits(fake - real.mean(), torch.ones_like(fake))
    return (lr + lf) / 2


# ----------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------


def _randn(shape: Sequence[int], seed: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(list(shape), generator=g).to(device=device, dtype=dtype)


def gradient_cosine_case(shape: Tuple[int, ...], layout: str, mode: str, dtype: torch.dtype, use_compile: bool) -> Case:
    fmt = LAYOUTS[layout]

    def make(device: torch.device, requires_grad: bool) -> Tuple[Any, ...]:
        g = torch.Generator().manual_seed(0)
        hr = torch.rand(list(shape), generator=g)
        sr = (0.8 * hr + 0.2 * torch.rand(list(shape), generator=g)).to(device=device, dtype=dtype)
        hr = hr.to(device=device, dtype=dtype)
        return (sr.contiguous(memory_format=fmt).requires_grad_(requires_grad), hr.contiguous(memory_format=fmt))

    def ours(sr: Tensor, hr: Tensor) -> Tensor:
        return ops.gradient_cosine_loss(sr, hr, operator="sobel", mode=mode)

    conv, slicing = _cosine_loss(_sobel_conv, mode), _cosine_loss(_sobel_slicing, mode)
    impls = [Impl("ours", ours), Impl("eager", conv), Impl("eager_slicing", slicing)]
    if use_compile:
        # torch.compile of the slicing form: inductor fuses it into a few loops, the
        # strongest baseline. (The conv2d form fails under compile's backward in torch
        # 2.13 with a stride assertion on the replicate-padded depthwise conv.)
        impls.append(Impl("compile", slicing, compiled=True))
    return Case(name="gradient_cosine", params={"shape": list(shape), "mode": mode, "layout": layout,
                                                "dtype": str(dtype).replace("torch.", "")},
                make_inputs=make, impls=tuple(impls), baseline="eager",
                description="fused gradient cosine loss (sobel) vs conv2d / slicing eager formulations")


def ragan_case(shape: Tuple[int, ...], dtype: torch.dtype, use_compile: bool) -> Case:
    def make(device: torch.device, requires_grad: bool) -> Tuple[Any, ...]:
        return (_randn(shape, 1, dtype, device).requires_grad_(requires_grad),
                _randn(shape, 2, dtype, device).requires_grad_(requires_grad))

    def ours(real: Tensor, fake: Tensor) -> Tensor:
        return ops.ragan_loss(real, fake, target="generator")

    impls = [Impl("ours", ours), Impl("eager", _ragan_eager)]
    if use_compile:
        impls.append(Impl("compile", _ragan_eager, compiled=True))
    return Case(name="ragan", params={"shape": list(shape), "dtype": str(dtype).replace("torch.", "")},
                make_inputs=make, impls=tuple(impls), baseline="eager",
                description="fused RaGAN generator loss vs ESRGAN's BCE-with-logits formulation")


def build_cases(quick: bool, dtypes: Sequence[torch.dtype], use_compile: bool) -> List[Case]:
    cases = [gradient_cosine_case(s, layout, mode, d, use_compile)
             for s, layout in (QUICK_GC_SIZES if quick else GC_SIZES)
             for mode in ("magnitude", "components") for d in dtypes]
    cases += [ragan_case(s, d, use_compile) for s in (QUICK_RAGAN_SIZES if quick else RAGAN_SIZES) for d in dtypes]
    return cases


def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_common_args(p, "benchmarks/results/<device>_losses.json")
    return p.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> Dict[str, Any]:
    args = parse_args(argv)
    deadline = harness.deadline_from_args(args)
    device = harness.device_from_args(args)
    dtypes = [torch.float32, torch.float16, torch.bfloat16] if device.type == "cuda" and not args.quick else [torch.float32]
    base = TimingConfig(warmup=1, repeats=3, min_sample_ms=1.0, max_inner=10) if args.quick else TimingConfig(repeats=9)
    timing = TimingConfig(warmup=base.warmup, repeats=args.repeats or base.repeats, min_sample_ms=base.min_sample_ms,
                          max_inner=base.max_inner)
    cfg = RunConfig(device=device, timing=timing, use_compile=not args.no_compile, verbose=not args.quiet,
                    deadline=deadline)
    results = harness.run_cases(build_cases(args.quick, dtypes, not args.no_compile), cfg)
    out = args.out or _HERE / "results" / f"{device.type}{'-quick' if args.quick else ''}_losses.json"
    return harness.report_and_save("losses", results, cfg, Path(out), quick=args.quick)


if __name__ == "__main__":
    main()
