"""HetSRWGAN's heterogeneous kernel-based residual block (Huang et al., PRICAI 2021),
implemented in C++ (csrc/models/hetsrwgan), and its dense re-parameterised form."""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import _C
from .._cpp_module import CppModule
from ..nn.het_conv import HetConv2d

_ACTIVATIONS = ("relu", "leaky_relu", "prelu")


class HetResidualBlock(CppModule):
    """``y = x + res_scale * HetConv(act(HetConv(x)))`` - no batch norm, identity skip.

    A plug-and-play replacement for an SRResNet/EDSR residual block (conv3x3 -> act ->
    conv3x3 + skip) with both convs heterogeneous (3x3 on 1/parts of the inputs, 1x1 on
    the rest).

    Args:
        channels: feature width C (divisible by ``parts``).
        parts: HetConv P (4 in HetSRWGAN-style settings; 1 gives the dense block).
        activation: "relu", "leaky_relu" (slope ``negative_slope``) or "prelu" (C slopes
            initialised to ``negative_slope``).
        res_scale: residual scaling (EDSR uses 0.1 for wide/deep models), 1 for none.
        bias: conv biases.

    forward: (N, C, H, W) float tensor, any range -> (N, C, H, W).
    State-dict keys: conv1.weight3x3, conv1.weight1x1, conv1.bias, conv2.*, [prelu_weight].
    """

    def __init__(self, channels: int = 64, parts: int = 4, activation: str = "relu", negative_slope: float = 0.2,
                 res_scale: float = 1.0, bias: bool = True) -> None:
        if activation not in _ACTIVATIONS:
            raise ValueError(f"HetResidualBlock: `activation` must be one of {_ACTIVATIONS}, got {activation!r}")
        channels, parts = int(channels), int(parts)
        if channels < 1 or parts < 1 or channels % parts:
            raise ValueError(f"HetResidualBlock: expected positive `channels` ({channels}) divisible by `parts` "
                             f"({parts})")
        super().__init__(_C.HetResidualBlock, dict(channels=channels, parts=parts, activation=activation,
                                                   negative_slope=float(negative_slope),
                                                   res_scale=float(res_scale), bias=bool(bias)))

    def _het_conv(self, name: str) -> HetConv2d:
        sub = getattr(self, name)
        cfg = self._cpp_config
        return HetConv2d._with(sub.weight3x3, sub.weight1x1, getattr(sub, "bias", None), cfg["parts"], 1)

    def reparameterize(self) -> "DenseResidualBlock":
        """The same block with each HetConv folded into one dense 3x3 ``nn.Conv2d`` and
        ``res_scale`` folded into the second conv's weight and bias: identical output (to
        float round-off) from two dense convs, an activation and an add. (The activation
        between the convs is what stops the whole block folding into one conv.)"""
        cfg = self._cpp_config
        conv1 = self._het_conv("conv1").reparameterize()
        conv2 = self._het_conv("conv2").reparameterize()
        with torch.no_grad():
            conv2.weight.mul_(cfg["res_scale"])
            if conv2.bias is not None:
                conv2.bias.mul_(cfg["res_scale"])
        prelu = self.prelu_weight.detach().clone() if cfg["activation"] == "prelu" else None
        return DenseResidualBlock(conv1, conv2, cfg["activation"], cfg["negative_slope"], prelu)

    fuse_for_inference = reparameterize


class DenseResidualBlock(nn.Module):
    """``x + conv2(act(conv1(x)))`` with dense 3x3 convs: the deployment form of
    :class:`HetResidualBlock` (residual scaling already folded into ``conv2``)."""

    def __init__(self, conv1: nn.Conv2d, conv2: nn.Conv2d, activation: str, negative_slope: float,
                 prelu_weight: Optional[Tensor] = None) -> None:
        super().__init__()
        self.conv1, self.conv2 = conv1, conv2
        self.activation, self.negative_slope = activation, float(negative_slope)
        self.prelu_weight = nn.Parameter(prelu_weight) if prelu_weight is not None else None

    def forward(self, input: Tensor) -> Tensor:
        """(N, C, H, W) -> (N, C, H, W)."""
        h = self.conv1(input)
        if self.activation == "relu":
            h = F.relu(h)
        elif self.activation == "leaky_relu":
            h = F.leaky_relu(h, self.negative_slope)
        else:
            h = F.prelu(h, self.prelu_weight)
        return input + self.conv2(h)
