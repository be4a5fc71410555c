"""RCAN's channel attention (a squeeze-and-excitation gate) as one fused op."""
from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from ._numpy import accepts_numpy

_FLOATS = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
_OP = "srgan_cpp.ops.channel_attention"


@accepts_numpy
def channel_attention(input: Tensor, squeeze_weight: Tensor, squeeze_bias: Optional[Tensor], excite_weight: Tensor,
                      excite_bias: Optional[Tensor]) -> Tensor:
    """``input * sigmoid(W2 relu(W1 mean_hw(input) + b1) + b2)`` per (sample, channel), fused.

    The same as RCAN's / BasicSR's ``ChannelAttention`` (AdaptiveAvgPool2d(1) -> 1x1 conv ->
    ReLU -> 1x1 conv -> Sigmoid -> product) in two passes over ``input`` (the means, then
    the product) with the per-sample gate in between; the backward is two passes as well.

    Args:
        input: (N, C, H, W) float32/64/16 or bfloat16, H, W >= 1; any value range.
        squeeze_weight: (Cr, C) or (Cr, C, 1, 1) - the first 1x1 conv's weight.
        squeeze_bias: (Cr,) or None.
        excite_weight: (C, Cr) or (C, Cr, 1, 1) - the second 1x1 conv's weight.
        excite_bias: (C,) or None.
        All of ``input``'s dtype and device (under ``torch.autocast`` they are cast to the
        autocast dtype, as a conv's are).

    Returns:
        (N, C, H, W) in ``input``'s dtype; channels_last when ``input`` is. The gate is
        computed in float32 (float64 for float64 inputs), so reduced-precision results can
        differ from the eager composite by the composite's own rounding of the gate.
    Differentiable w.r.t. every tensor argument (first order).
    """
    return torch.ops.srgan_cpp.channel_attention(input, squeeze_weight, squeeze_bias, excite_weight, excite_bias)


# ----------------------------------------------------------------------------------------
# Fake (meta) kernels for torch.compile / FakeTensor: they repeat the C++ checks with the
# same exception types, and give the outputs the layout the C++ kernels give them.
# ----------------------------------------------------------------------------------------
def _format(x: Tensor) -> torch.memory_format:
    cl = x.dim() == 4 and not x.is_contiguous() and x.is_contiguous(memory_format=torch.channels_last)
    return torch.channels_last if cl else torch.contiguous_format


def _check_weight(w: Tensor, x: Tensor, op: str, name: str, rows: Optional[int], cols: int) -> int:
    if w.dtype != x.dtype:
        raise TypeError(f"{op}: expected `{name}` of dtype {x.dtype} like `input`, got {w.dtype}")
    if not (w.dim() == 2 or (w.dim() == 4 and w.shape[2] == 1 and w.shape[3] == 1)):
        raise ValueError(f"{op}: expected `{name}` of shape (out, in) or (out, in, 1, 1) - the weight of a 1x1 conv - "
                         f"got {tuple(w.shape)}")
    if w.shape[1] != cols or (rows is not None and w.shape[0] != rows) or w.shape[0] < 1:
        raise ValueError(f"{op}: expected `{name}` of shape ({rows if rows is not None else 'Cr'}, {cols}), got "
                         f"{tuple(w.shape)}")
    return int(w.shape[0])


def _check(input: Tensor, w1: Tensor, b1: Optional[Tensor], w2: Tensor, b2: Optional[Tensor], op: str) -> None:
    if input.dtype not in _FLOATS:
        raise TypeError(f"{op}: expected `input` to be float32, float64, float16 or bfloat16, got {input.dtype}")
    if input.dim() != 4:
        raise ValueError(f"{op}: expected `input` of rank 4 (N, C, H, W), got rank {input.dim()}")
    c = input.shape[1]
    if c < 1 or input.shape[2] < 1 or input.shape[3] < 1:
        raise ValueError(f"{op}: expected `input` with C, H, W >= 1, got shape {tuple(input.shape)}")
    cr = _check_weight(w1, input, op, "squeeze_weight", None, c)
    _check_weight(w2, input, op, "excite_weight", c, cr)
    for name, b, size in (("squeeze_bias", b1, cr), ("excite_bias", b2, c)):
        if b is None:
            continue
        if b.dtype != input.dtype:
            raise TypeError(f"{op}: expected `{name}` of dtype {input.dtype} like `input`, got {b.dtype}")
        if b.dim() != 1 or b.shape[0] != size:
            raise ValueError(f"{op}: expected `{name}` of shape ({size},), got {tuple(b.shape)}")


@torch.library.register_fake("srgan_cpp::channel_attention")
def _forward_fake(input, squeeze_weight, squeeze_bias, excite_weight, excite_bias):
    _check(input, squeeze_weight, squeeze_bias, excite_weight, excite_bias, _OP)
    return torch.empty_like(input.contiguous(memory_format=_format(input)))


@torch.library.register_fake("srgan_cpp::channel_attention_backward")
def _backward_fake(grad_output, input, squeeze_weight, squeeze_bias, excite_weight, excite_bias):
    op = _OP + "_backward"
    _check(input, squeeze_weight, squeeze_bias, excite_weight, excite_bias, op)
    if grad_output.shape != input.shape:
        raise ValueError(f"{op}: expected `grad_output` of the input's shape {tuple(input.shape)}, got "
                         f"{tuple(grad_output.shape)}")
    if grad_output.dtype != input.dtype:  # as the C++ check
        raise TypeError(f"{op}: expected `grad_output` of dtype {input.dtype} like `input`, got {grad_output.dtype}")

    def like(t: Optional[Tensor]) -> Tensor:
        return input.new_empty([0]) if t is None else t.new_empty(t.shape)

    grad_input = torch.empty_like(input.contiguous(memory_format=_format(input)))
    return grad_input, like(squeeze_weight), like(squeeze_bias), like(excite_weight), like(excite_bias)
