"""Heterogeneous convolution (HetConv, Singh et al., CVPR 2019) as one fused op.

With ``parts`` = P the output channels form P contiguous groups; group g applies 3x3
kernels to input-channel group g (in/P channels) and 1x1 kernels to every other input
channel. Parameters are stored heterogeneously:

* ``weight3x3``: (out, in/P, 3, 3) - the grouped 3x3 kernels (as ``conv2d(groups=P)``);
* ``weight1x1``: (out, in - in/P) - row o of group g holds the 1x1 weights of input
  channels ``[0, g*in/P)`` then ``[(g+1)*in/P, in)``.

P = 1 is a dense 3x3 conv (``weight1x1`` has 0 columns); P = in is depthwise 3x3 plus a
pointwise conv over the other channels. Padding is 1: stride 1 keeps H x W, stride 2
gives ceil(H/2) x ceil(W/2) - exactly ``conv2d(input, to_dense(...), bias, stride, 1)``.

Output memory format: channels_last when the input is channels_last, NCHW otherwise.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
from torch import Tensor

from . import _checks
from ._numpy import accepts_numpy

_OP = "srgan_cpp.ops.het_conv2d"


@accepts_numpy
def het_conv2d(input: Tensor, weight3x3: Tensor, weight1x1: Tensor, bias: Optional[Tensor] = None,
               parts: int = 1, stride: int = 1) -> Tensor:
    """HetConv forward: (N, in, H, W) -> (N, out, (H-1)//stride + 1, (W-1)//stride + 1).

    Args:
        input: float32/64/16 or bfloat16 tensor on CPU or CUDA, NCHW or channels_last; any value range.
        weight3x3: (out, in/parts, 3, 3), same dtype and device.
        weight1x1: (out, in - in/parts).
        bias: optional (out,).
        parts: P >= 1 dividing both in and out.
        stride: 1 or 2.

    Differentiable w.r.t. input, both weights and bias, twice (create_graph works). Equal, up to float
    round-off, to a dense 3x3 conv with ``het_conv2d_to_dense(weight3x3, weight1x1, parts)``.
    """
    parts, stride = _checks.check_int_arg(parts, _OP, "parts"), _checks.check_int_arg(stride, _OP, "stride")
    return torch.ops.srgan_cpp.het_conv2d(input, weight3x3, weight1x1, bias, parts, stride)


def het_conv2d_to_dense(weight3x3: Tensor, weight1x1: Tensor, parts: int) -> Tensor:
    """The equivalent dense (out, in, 3, 3) weight, zeros where HetConv has none (differentiable)."""
    parts = _checks.check_int_arg(parts, _OP + "_to_dense", "parts")
    return torch.ops.srgan_cpp.het_conv2d_to_dense(weight3x3, weight1x1, parts)


def het_conv2d_from_dense(dense_weight: Tensor, parts: int, strict: bool = False) -> Tuple[Tensor, Tensor]:
    """Splits a dense (out, in, 3, 3) weight into (weight3x3, weight1x1) (differentiable).

    Entries HetConv has no place for are dropped; with ``strict=True`` a ValueError is
    raised instead when any of them is non-zero (i.e. the dense conv is not a HetConv).
    """
    parts = _checks.check_int_arg(parts, _OP + "_from_dense", "parts")
    w3, w1 = torch.ops.srgan_cpp.het_conv2d_from_dense(dense_weight, parts)
    if strict:
        rebuilt = het_conv2d_to_dense(w3, w1, parts)
        if not torch.equal(rebuilt, dense_weight):
            lost = (dense_weight - rebuilt).abs().max().item()
            raise ValueError(f"srgan_cpp.ops.het_conv2d_from_dense: `dense_weight` is not a HetConv weight with "
                             f"parts={parts}: entries outside the heterogeneous pattern are non-zero (max |w| {lost:g})")
    return w3, w1


# ----------------------------------------------------------------------------------------
# Fake (meta) kernels for torch.compile / FakeTensor; they repeat the C++ checks.
# ----------------------------------------------------------------------------------------


def _check(input: Tensor, weight3x3: Tensor, weight1x1: Tensor, bias: Optional[Tensor], parts: int, stride: int,
           op: str, grad_output: Optional[Tensor] = None) -> list:
    named = [("input", input), ("weight3x3", weight3x3), ("weight1x1", weight1x1), ("bias", bias)]
    if grad_output is not None:
        named = [("grad_output", grad_output)] + named
    _checks.check_same_device(op, named)
    for name, t in named[-4:-1]:
        _checks.check_float(t, op, name)
    if input.dim() != 4:
        raise ValueError(f"{op}: expected `input` of rank 4 (N, C, H, W), got rank {input.dim()}")
    if stride not in (1, 2):
        raise ValueError(f"{op}: expected `stride` 1 or 2, got {stride}")
    if parts < 1:
        raise ValueError(f"{op}: expected `parts` >= 1, got {parts}")
    n, cin, h, w = input.shape
    if cin % parts != 0:
        raise ValueError(f"{op}: expected the channel count of `input` ({cin}) to be divisible by `parts` ({parts})")
    _checks.check_same_dtype(op, "input", input, named)
    out = weight3x3.shape[0]
    if weight3x3.dim() != 4 or tuple(weight3x3.shape[1:]) != (cin // parts, 3, 3) or out % parts != 0:
        raise ValueError(f"{op}: expected `weight3x3` of shape (out_channels, {cin // parts}, 3, 3) with out_channels "
                         f"divisible by `parts`, got {tuple(weight3x3.shape)}")
    if out < 1 or cin // parts < 1:
        raise ValueError(f"{op}: expected `weight3x3` with at least one output and input channel, got "
                         f"{tuple(weight3x3.shape)}")
    if tuple(weight1x1.shape) != (out, cin - cin // parts):
        raise ValueError(f"{op}: expected `weight1x1` of shape ({out}, {cin - cin // parts}), got "
                         f"{tuple(weight1x1.shape)}")
    if bias is not None and tuple(bias.shape) != (out,):
        raise ValueError(f"{op}: expected `bias` of shape ({out},), got {tuple(bias.shape)}")
    torch._check(h > 0 and w > 0, lambda: f"{op}: expected `input` with non-empty H and W, got shape "
                                          f"{tuple(input.shape)}")
    out_shape = [n, out, (h - 1) // stride + 1, (w - 1) // stride + 1]
    if grad_output is not None and list(grad_output.shape) != out_shape:
        raise ValueError(f"{op}: expected `grad_output` of shape {out_shape}, got {tuple(grad_output.shape)}")
    return out_shape


@torch.library.register_fake("srgan_cpp::het_conv2d")
def _het_conv2d_fake(input, weight3x3, weight1x1, bias=None, parts=1, stride=1):
    return _checks.empty_like_layout(input, _check(input, weight3x3, weight1x1, bias, parts, stride, _OP))


@torch.library.register_fake("srgan_cpp::het_conv2d_backward")
def _het_conv2d_backward_fake(grad_output, input, weight3x3, weight1x1, parts, stride, output_mask):
    _check(input, weight3x3, weight1x1, None, parts, stride, _OP + "_backward", grad_output)
    none = input.new_empty([0])
    return (_checks.empty_like_layout(input) if output_mask[0] else none,
            torch.empty_like(weight3x3, memory_format=torch.contiguous_format) if output_mask[1] else none,
            torch.empty_like(weight1x1, memory_format=torch.contiguous_format) if output_mask[2] else none,
            input.new_empty([weight3x3.shape[0]]) if output_mask[3] else none)
