"""The LISTA soft-threshold (shrinkage) as one fused op: SCN's sparse-coding stage."""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from ._numpy import accepts_numpy
from ._checks import check_float as _check_float, empty_like_layout as _empty_like_layout

_OP = "srgan_cpp.ops.lista_shrinkage"


@accepts_numpy
def lista_shrinkage(input: Tensor, threshold: Tensor, addend: Optional[Tensor] = None) -> Tensor:
    """``sign(a) * max(|a| - threshold[c], 0)`` with ``a = input (+ addend)``, in one pass.

    The element-wise shrinkage ``h_theta`` of ISTA / LISTA (Gregor & LeCun 2010) with one
    learned threshold per channel; with ``addend`` it is one LISTA stage
    ``z_{k+1} = h_theta(W y + S z_k)`` (``input = S z_k``, ``addend = W y``) without the
    intermediate sum. Equals ``torch.sign(a) * torch.relu(a.abs() - threshold.view(1, -1, 1, 1))``.

    Args:
        input: (N, C, H, W), float32/64/16 or bfloat16, NCHW or channels_last (the output
            has the same layout; other strides are computed as NCHW).
        threshold: (C,) thresholds, any floating dtype on the same device (e.g. a float32
            parameter with bfloat16 activations under autocast); meant to be >= 0.
        addend: optional tensor of the shape, dtype and device of ``input``.

    Returns:
        (N, C, H, W) of ``input``'s dtype. Gradients reach ``input``, ``addend`` (both get
        ``grad * (out != 0)``) and ``threshold`` (``-sum grad * sign(out)`` per channel,
        summed in float32 / float64 in a fixed order). Only the output is kept for the
        backward.
    """
    return torch.ops.srgan_cpp.lista_shrinkage(input, threshold, addend)


def _check(input: Tensor, threshold: Tensor, op: str, arg: str = "input") -> None:
    _check_float(input, op, arg)
    _check_float(threshold, op, "threshold")
    if input.dim() != 4:
        raise ValueError(f"{op}: expected `{arg}` of rank 4 (N, C, H, W), got rank {input.dim()} with shape "
                         f"{tuple(input.shape)}")
    if threshold.dim() != 1:
        raise ValueError(f"{op}: expected `threshold` of shape ({input.shape[1]},), got {tuple(threshold.shape)}")
    if threshold.device != input.device:
        raise RuntimeError(f"{op}: expected `threshold` on {input.device} like `input`, got {threshold.device}")
    torch._check(threshold.shape[0] == input.shape[1],
                 lambda: f"{op}: expected `threshold` of shape ({input.shape[1]},), got {tuple(threshold.shape)}")


@torch.library.register_fake("srgan_cpp::lista_shrinkage")
def _forward_fake(input: Tensor, threshold: Tensor, addend: Optional[Tensor] = None) -> Tensor:
    _check(input, threshold, _OP)
    if addend is not None:
        if addend.dtype != input.dtype:
            raise TypeError(f"{_OP}: expected `addend` of dtype {input.dtype} like `input`, got {addend.dtype}")
        torch._check(addend.shape == input.shape,
                     lambda: f"{_OP}: expected `addend` of the shape of `input` {tuple(input.shape)}, "
                             f"got {tuple(addend.shape)}")
    return _empty_like_layout(input, list(input.shape))


@torch.library.register_fake("srgan_cpp::lista_shrinkage_backward")
def _backward_fake(grad: Tensor, output: Tensor, threshold: Tensor, need_threshold: bool):
    op = _OP + "_backward"
    _check(output, threshold, op, "output")
    if grad.dtype != output.dtype:  # as the C++ check: the backward kernel reads both together
        raise TypeError(f"{op}: expected `grad` of dtype {output.dtype}, got {grad.dtype}")
    torch._check(grad.shape == output.shape,
                 lambda: f"{op}: expected `grad` of the shape of `output` {tuple(output.shape)}, got {tuple(grad.shape)}")
    grad_threshold = threshold.new_empty(threshold.shape if need_threshold else [0])
    return _empty_like_layout(output, list(output.shape)), grad_threshold
