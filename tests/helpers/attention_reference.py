"""Plain-PyTorch references of the attention ops and blocks (srgan_cpp.ops.channel_attention,
srgan_cpp.ops.pixel_attention, the attention layers of RCAN, PAN and CBAM)."""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def channel_attention(x: Tensor, w1: Tensor, b1: Optional[Tensor], w2: Tensor, b2: Optional[Tensor]) -> Tensor:
    """BasicSR's ChannelAttention: AdaptiveAvgPool2d(1) -> conv1x1 -> ReLU -> conv1x1 -> Sigmoid -> x * y."""
    w1 = w1.reshape(w1.shape[0], w1.shape[1], 1, 1)
    w2 = w2.reshape(w2.shape[0], w2.shape[1], 1, 1)
    y = F.adaptive_avg_pool2d(x, 1)
    y = torch.sigmoid(F.conv2d(F.relu(F.conv2d(y, w1, b1)), w2, b2))
    return x * y


def pixel_attention(x: Tensor, gate: Tensor, bias: Optional[Tensor]) -> Tensor:
    """x * sigmoid(gate + bias): PAN's PA (gate = conv1x1(x) without bias) or a spatial map."""
    if bias is not None:
        gate = gate + bias.view(1, -1, 1, 1)
    return x * torch.sigmoid(gate)


class ChannelAttention(nn.Module):
    """BasicSR's ``ChannelAttention`` (basicsr/archs/rcan_arch.py), same keys: attention.1, attention.3."""

    def __init__(self, num_feat: int, squeeze_factor: int = 16) -> None:
        super().__init__()
        self.attention = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(num_feat, num_feat // squeeze_factor, 1, padding=0),
            nn.ReLU(inplace=True), nn.Conv2d(num_feat // squeeze_factor, num_feat, 1, padding=0), nn.Sigmoid())

    def forward(self, x: Tensor) -> Tensor:
        return x * self.attention(x)


class PixelAttention(nn.Module):
    """PAN's ``PA`` (zhaohengyuan1/PAN, codes/models/archs/PAN_arch.py): x * sigmoid(conv1x1(x)); key: conv."""

    def __init__(self, nf: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(nf, nf, 1)

    def forward(self, x: Tensor) -> Tensor:
        return x * torch.sigmoid(self.conv(x))


class SpatialAttention(nn.Module):
    """CBAM's spatial attention as commonly re-implemented: x * sigmoid(conv_kxk([mean_c x, max_c x])),
    the conv without bias (the paper's conv has none; no batch norm). Key: conv."""

    def __init__(self, kernel_size: int = 7) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], dim=1)
        return x * torch.sigmoid(self.conv(pooled))
