"""HetConv2d: a heterogeneous-kernel convolution layer over ``srgan_cpp.ops.het_conv2d``,
with converters to/from the dense 3x3 conv and the two-conv "efficient HetConv" layout,
and re-parameterisation into one dense ``nn.Conv2d`` for deployment."""
from __future__ import annotations

import math
from typing import Optional, Tuple

import torch
from torch import Tensor, nn

from .. import ops
from ..ops._checks import check_int_arg


class HetConv2d(nn.Module):
    """HetConv (Singh et al., CVPR 2019), contiguous-group form: output group g applies
    3x3 kernels to input-channel group g and 1x1 kernels to all other input channels.

    Args:
        in_channels, out_channels: both divisible by ``parts``.
        parts: P; 1 is a dense 3x3 conv, ``in_channels`` is depthwise 3x3 + pointwise.
        stride: 1 (output H x W) or 2 (ceil(H/2) x ceil(W/2)); padding is always 1.
        bias: add a learnable (out_channels,) bias.

    Parameters: ``weight3x3`` (out, in/P, 3, 3), ``weight1x1`` (out, in - in/P), ``bias``
    (out,) - out*(9*in/P + in - in/P) (+ out) values in all. Init: ``nn.Conv2d``'s default
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with the filter's real fan_in = 9*in/P + in - in/P,
    so the output starts with the variance a dense conv of the same width gets.

    forward: (N, in, H, W) float tensor (NCHW or channels_last, any range) -> (N, out, H', W').
    """

    def __init__(self, in_channels: int, out_channels: int, parts: int, stride: int = 1, bias: bool = True) -> None:
        super().__init__()
        in_channels, out_channels, parts, stride = (check_int_arg(v, "HetConv2d", name) for v, name in (
            (in_channels, "in_channels"), (out_channels, "out_channels"), (parts, "parts"), (stride, "stride")))
        if min(in_channels, out_channels, parts) < 1:
            raise ValueError(f"HetConv2d: expected positive in_channels, out_channels and parts, got "
                             f"{in_channels}, {out_channels}, {parts}")
        if in_channels % parts or out_channels % parts:
            raise ValueError(f"HetConv2d: expected in_channels ({in_channels}) and out_channels ({out_channels}) "
                             f"to be divisible by parts ({parts})")
        if stride not in (1, 2):
            raise ValueError(f"HetConv2d: expected stride 1 or 2, got {stride}")
        self.in_channels, self.out_channels, self.parts, self.stride = in_channels, out_channels, parts, stride
        cg = in_channels // parts
        self.weight3x3 = nn.Parameter(torch.empty(out_channels, cg, 3, 3))
        self.weight1x1 = nn.Parameter(torch.empty(out_channels, in_channels - cg))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    @property
    def fan_in(self) -> int:
        """Inputs per output value: 9*in/P + in - in/P."""
        cg = self.in_channels // self.parts
        return 9 * cg + self.in_channels - cg

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.fan_in)
        with torch.no_grad():
            for p in (self.weight3x3, self.weight1x1, self.bias):
                if p is not None:
                    p.uniform_(-bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return ops.het_conv2d(input, self.weight3x3, self.weight1x1, self.bias, self.parts, self.stride)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, parts={self.parts}, stride={self.stride}, "
                f"bias={self.bias is not None}")

    # -- converters --------------------------------------------------------------------------
    def to_dense(self) -> Tuple[Tensor, Optional[Tensor]]:
        """(weight (out, in, 3, 3), bias) of the dense conv with identical output (differentiable)."""
        return ops.het_conv2d_to_dense(self.weight3x3, self.weight1x1, self.parts), self.bias

    @classmethod
    def from_dense(cls, weight: Tensor, bias: Optional[Tensor], parts: int, stride: int = 1,
                   strict: bool = True) -> "HetConv2d":
        """From a dense (out, in, 3, 3) weight; ``strict`` rejects weights outside the HetConv pattern."""
        w3, w1 = ops.het_conv2d_from_dense(weight.detach(), parts, strict=strict)
        return cls._with(w3, w1, bias, parts, stride)

    def to_two_conv(self) -> Tuple[Tensor, Tensor]:
        """The "efficient HetConv" layout: (groupwise (out, in/P, 3, 3) weight for
        ``conv2d(groups=P)``, pointwise (out, in, 1, 1) weight, zero on each filter's own group)."""
        pointwise = ops.het_conv2d_to_dense(torch.zeros_like(self.weight3x3), self.weight1x1, self.parts)
        return self.weight3x3, pointwise[:, :, 1:2, 1:2]

    @classmethod
    def from_two_conv(cls, groupwise_weight: Tensor, pointwise_weight: Tensor, parts: int,
                      groupwise_bias: Optional[Tensor] = None, pointwise_bias: Optional[Tensor] = None,
                      stride: int = 1) -> "HetConv2d":
        """From ``conv2d(x, gw, groups=P, padding=1) + conv2d(x, pw)`` weights (the efficient
        HetConv implementation). The pointwise weights on a filter's own group overlap its
        3x3 kernels; they are folded into the 3x3 centre taps, so the output is identical."""
        gw, pw = groupwise_weight.detach(), pointwise_weight.detach()
        if pw.dim() == 4:
            if tuple(pw.shape[2:]) != (1, 1):
                raise ValueError(f"HetConv2d.from_two_conv: expected `pointwise_weight` (out, in, 1, 1), got "
                                 f"{tuple(pw.shape)}")
            pw = pw[:, :, 0, 0]
        if gw.dim() != 4 or pw.dim() != 2 or pw.shape[0] != gw.shape[0] or pw.shape[1] != gw.shape[1] * parts:
            raise ValueError(f"HetConv2d.from_two_conv: expected `groupwise_weight` (out, in/parts, 3, 3) and "
                             f"`pointwise_weight` (out, in, 1, 1) with parts={parts}, got {tuple(gw.shape)} and "
                             f"{tuple(pointwise_weight.shape)}")
        dense = ops.het_conv2d_to_dense(gw, torch.zeros(pw.shape[0], pw.shape[1] - gw.shape[1], dtype=gw.dtype,
                                                        device=gw.device), parts)
        dense = dense.clone()
        dense[:, :, 1, 1] += pw
        w3, w1 = ops.het_conv2d_from_dense(dense, parts)
        biases = [b.detach() for b in (groupwise_bias, pointwise_bias) if b is not None]
        bias = sum(biases[1:], biases[0]) if biases else None
        return cls._with(w3, w1, bias, parts, stride)

    @classmethod
    def _with(cls, w3: Tensor, w1: Tensor, bias: Optional[Tensor], parts: int, stride: int) -> "HetConv2d":
        m = cls(w3.shape[1] * parts, w3.shape[0], parts, stride, bias is not None)
        m.to(device=w3.device, dtype=w3.dtype)
        with torch.no_grad():
            m.weight3x3.copy_(w3)
            m.weight1x1.copy_(w1)
            if bias is not None:
                m.bias.copy_(bias.detach())
        return m

    # -- deployment --------------------------------------------------------------------------
    def reparameterize(self) -> nn.Conv2d:
        """One dense ``nn.Conv2d`` (3x3, padding 1, same stride) with identical output (to
        float round-off). Faster than the HetConv wherever the dense conv is faster than the
        grouped conv + GEMM pair, which the benchmark measures (docs/hetconv.md)."""
        conv = nn.Conv2d(self.in_channels, self.out_channels, 3, self.stride, 1, bias=self.bias is not None,
                         device=self.weight3x3.device, dtype=self.weight3x3.dtype)
        weight, bias = self.to_dense()
        with torch.no_grad():
            conv.weight.copy_(weight)
            if bias is not None:
                conv.bias.copy_(bias)
        return conv

    fuse_for_inference = reparameterize
