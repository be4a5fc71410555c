"""Gradient cosine-similarity loss (HetSRWGAN, Algorithm 1) as one fused op.

For each sample the per-channel image gradients of ``hr`` and ``sr`` are flattened into
vectors X' and Y' and compared by cosine similarity; the loss is ``1 - F`` per sample.
The forward reads each image once and stores no gradient map; the backward is fused too.
"""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from . import _checks
from ._checks import REDUCTIONS
from ._numpy import accepts_numpy

OPERATORS = ("sobel", "central", "forward")
MODES = ("magnitude", "components")
_OP = "srgan_cpp.ops.gradient_cosine_loss"


@accepts_numpy
def gradient_cosine_loss(
    sr: Tensor,
    hr: Tensor,
    *,
    operator: str = "sobel",
    mode: str = "magnitude",
    reduction: str = "mean",
    eps: float = 1e-8,
) -> Tensor:
    """``1 - cos(G(hr), G(sr))`` per sample, reduced.

    Args:
        sr: (N, C, H, W) super-resolved images, float32/64/16 or bfloat16, H, W >= 2, any
            value range (the loss is scale-invariant per sample). C = 1 (infrared) or 3
            (RGB) as in the paper; any C >= 1 works.
        hr: (N, C, H, W) ground truth, same shape, dtype and device.
        operator: the image gradient, applied per channel with a replicate border
            (indices clamped into the image, so maps keep H x W):
            ``"sobel"`` (default; 3x3 Sobel, unnormalised), ``"central"``
            ((x[j+1] - x[j-1]) / 2) or ``"forward"`` (x[j+1] - x[j]).
        mode: ``"magnitude"`` (default; X' holds sqrt(gx^2 + gy^2) of every pixel and
            channel, the paper's one gradient map per channel) or ``"components"`` (X'
            holds the gx and gy maps concatenated).
        reduction: ``"mean"`` (default) or ``"sum"`` over the batch (0-dim result), or
            ``"none"`` ((N,) result).
        eps: > 0. F = X'.Y' / (max(|X'|, eps) * max(|Y'|, eps)) - the clamp of
            ``torch.nn.functional.cosine_similarity``. A flat image (zero gradient) gives
            F = 0, i.e. loss 1, with finite gradients: |dloss/dY'| <= 2 / eps per sample,
            and a pixel of zero gradient magnitude gets the zero sub-gradient. With float16
            inputs use eps >= 1e-4 (or compute in float32) so such gradients fit the dtype.

    Returns:
        The loss in the inputs' dtype, in [0, 2] ([0, 1] for mode "magnitude").
    Differentiable w.r.t. ``sr`` and ``hr`` (the ``hr`` gradient is computed only when
    ``hr`` requires grad).
    """
    return torch.ops.srgan_cpp.gradient_cosine_loss(sr, hr, operator, mode, reduction, eps)[0]


# ----------------------------------------------------------------------------------------
# Fake kernels (torch.compile / FakeTensor): same checks, same exception types.
# ----------------------------------------------------------------------------------------


def _check(sr: Tensor, hr: Tensor, operator: str, mode: str, reduction: str, eps: float, op: str,
           grad: Optional[Tensor] = None, stats: Optional[Tensor] = None) -> None:
    named = [("sr", sr), ("hr", hr)] if grad is None else [("grad", grad), ("sr", sr), ("hr", hr), ("stats", stats)]
    _checks.check_same_device(op, named)
    if operator not in OPERATORS:
        raise ValueError(f"{op}: expected `operator` to be one of {OPERATORS}, got {operator!r}")
    if mode not in MODES:
        raise ValueError(f"{op}: expected `mode` to be 'magnitude' or 'components', got {mode!r}")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: expected `reduction` to be one of {REDUCTIONS}, got {reduction!r}")
    _checks.check_float(sr, op, "sr")
    if sr.dim() != 4:
        raise ValueError(f"{op}: expected `sr` of rank 4 (N, C, H, W), got rank {sr.dim()}")
    _checks.check_same_dtype(op, "sr", sr, [("hr", hr), ("grad", grad)])
    if hr.shape != sr.shape:
        raise ValueError(f"{op}: expected `hr` of the same shape as `sr` {tuple(sr.shape)}, got {tuple(hr.shape)}")
    torch._check(sr.shape[1] >= 1, lambda: f"{op}: expected `sr` with at least one channel")
    torch._check(sr.shape[2] >= 2 and sr.shape[3] >= 2, lambda: f"{op}: expected images of at least 2x2 pixels")
    if not eps > 0:
        raise ValueError(f"{op}: expected `eps` > 0, got {eps}")
    if grad is not None and list(grad.shape) != _loss_shape(sr.shape[0], reduction):
        raise ValueError(f"{op}: expected `grad` of shape {_loss_shape(sr.shape[0], reduction)}, got "
                         f"{tuple(grad.shape)}")
    if stats is not None and (stats.dtype != torch.float64 or list(stats.shape) != [sr.shape[0], 3]):
        raise ValueError(f"{op}: expected `stats` float64 of shape ({sr.shape[0]}, 3) (the second output of "
                         f"gradient_cosine_loss), got {stats.dtype} {tuple(stats.shape)}")


def _loss_shape(n, reduction: str) -> list:
    return [n] if reduction == "none" else []


@torch.library.register_fake("srgan_cpp::gradient_cosine_loss")
def _forward_fake(sr, hr, operator="sobel", mode="magnitude", reduction="mean", eps=1e-8):
    _check(sr, hr, operator, mode, reduction, eps, _OP)
    loss = sr.new_empty(_loss_shape(sr.shape[0], reduction))
    stats = sr.new_empty([sr.shape[0], 3], dtype=torch.float64)
    return loss, stats


@torch.library.register_fake("srgan_cpp::gradient_cosine_loss_backward")
def _backward_fake(grad, sr, hr, stats, operator, mode, reduction, eps, need_sr, need_hr):
    _check(sr, hr, operator, mode, reduction, eps, _OP + "_backward", grad, stats)
    gs = _checks.empty_like_layout(sr) if need_sr else sr.new_empty([0])
    gh = _checks.empty_like_layout(hr) if need_hr else hr.new_empty([0])
    return gs, gh
