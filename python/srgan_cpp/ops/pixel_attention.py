"""PAN's pixel attention gate (``x * sigmoid(conv1x1(x))``) as one fused op; with a
one-channel gate, the product of a spatial-attention map."""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from ._numpy import accepts_numpy

_FLOATS = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
_OP = "srgan_cpp.ops.pixel_attention"


@accepts_numpy
def pixel_attention(input: Tensor, gate: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """``input * sigmoid(gate + bias[None, :, None, None])`` in one pass.

    Args:
        input: (N, C, H, W) float32/64/16 or bfloat16, any value range.
        gate: (N, C, H, W) - one gate logit per element, e.g. the output of PAN's 1x1 conv
            run without its bias - or (N, 1, H, W), one logit per pixel shared by every
            channel (CBAM's spatial attention map).
        bias: optional (C,) or (1,): the bias of the conv that made ``gate``.
        All of ``input``'s dtype and device (under ``torch.autocast`` they are cast to the
        autocast dtype, as a conv's are).

    Returns:
        (N, C, H, W) in ``input``'s dtype, channels_last when ``input`` is; computed in
        float32 (float64 for float64 inputs) and rounded once.
    Differentiable w.r.t. input, gate and bias (first order).
    """
    return torch.ops.srgan_cpp.pixel_attention(input, gate, bias)


# ----------------------------------------------------------------------------------------
# Fake (meta) kernels for torch.compile / FakeTensor.
# ----------------------------------------------------------------------------------------
def _format(x: Tensor) -> torch.memory_format:
    cl = x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)
    return torch.channels_last if cl else torch.contiguous_format


def _check(input: Tensor, gate: Tensor, bias: Optional[Tensor], op: str) -> None:
    if input.dtype not in _FLOATS:
        raise TypeError(f"{op}: expected `input` to be float32, float64, float16 or bfloat16, got {input.dtype}")
    if input.dim() != 4:
        raise ValueError(f"{op}: expected `input` of rank 4 (N, C, H, W), got rank {input.dim()}")
    if gate.dtype != input.dtype:
        raise TypeError(f"{op}: expected `gate` of dtype {input.dtype} like `input`, got {gate.dtype}")
    n, c, h, w = input.shape
    if gate.dim() != 4 or gate.shape[0] != n or gate.shape[2:] != input.shape[2:] or gate.shape[1] not in (c, 1):
        raise ValueError(f"{op}: expected `gate` of shape ({n}, {c} or 1, {h}, {w}), got {tuple(gate.shape)}")
    if bias is not None:
        if bias.dtype != input.dtype:
            raise TypeError(f"{op}: expected `bias` of dtype {input.dtype} like `input`, got {bias.dtype}")
        if bias.dim() != 1 or bias.shape[0] != gate.shape[1]:
            raise ValueError(f"{op}: expected `bias` of shape ({gate.shape[1]},), got {tuple(bias.shape)}")


@torch.library.register_fake("srgan_cpp::pixel_attention")
def _forward_fake(input, gate, bias=None):
    _check(input, gate, bias, _OP)
    return torch.empty_like(input.contiguous(memory_format=_format(input)))


@torch.library.register_fake("srgan_cpp::pixel_attention_backward")
def _backward_fake(grad_output, input, gate, bias):
    op = _OP + "_backward"
    _check(input, gate, bias, op)
    if grad_output.shape != input.shape:
        raise ValueError(f"{op}: expected `grad_output` of the input's shape {tuple(input.shape)}, got "
                         f"{tuple(grad_output.shape)}")
    if grad_output.dtype != input.dtype:  # as the C++ check
        raise TypeError(f"{op}: expected `grad_output` of dtype {input.dtype} like `input`, got {grad_output.dtype}")
    fmt = _format(input)
    grad_bias = input.new_empty([0]) if bias is None else bias.new_empty(bias.shape)
    return (torch.empty_like(input.contiguous(memory_format=fmt)), torch.empty_like(gate.contiguous(memory_format=fmt)),
            grad_bias)
