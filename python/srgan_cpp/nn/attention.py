"""Attention blocks as torch.nn.Modules over the fused attention ops: drop-in replacements for
the reference blocks (same submodules, so the same state-dict keys), and traceable by
torch.compile(fullgraph=True). The C++ models use the C++ versions of the same blocks
(csrc/models/blocks/{channel,pixel,spatial}_attention.h)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import ops


class ChannelAttention(nn.Module):
    """RCAN's channel attention (BasicSR's ``ChannelAttention``):
    ``x * sigmoid(conv(relu(conv(avgpool(x)))))``, squeezing num_feat to
    num_feat // squeeze_factor channels, in one fused op.

    Keys as BasicSR: attention.1 (squeeze conv), attention.3 (excite conv).
    forward: (N, num_feat, H, W) -> same shape.
    """

    def __init__(self, num_feat: int, squeeze_factor: int = 16) -> None:
        super().__init__()
        if not 1 <= squeeze_factor <= num_feat:
            raise ValueError(f"ChannelAttention: expected 1 <= `squeeze_factor` <= num_feat ({num_feat}), got "
                             f"{squeeze_factor}")
        hidden = num_feat // squeeze_factor
        self.attention = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(num_feat, hidden, 1), nn.ReLU(inplace=True),
                                       nn.Conv2d(hidden, num_feat, 1), nn.Sigmoid())

    def forward(self, x: Tensor) -> Tensor:
        squeeze, excite = self.attention[1], self.attention[3]
        return ops.channel_attention(x, squeeze.weight, squeeze.bias, excite.weight, excite.bias)


class PixelAttention(nn.Module):
    """PAN's pixel attention (``PA``): ``x * sigmoid(conv1x1(x))``, the sigmoid, the conv's
    bias and the product in one fused op. Key: conv. forward: (N, num_feat, H, W) -> same shape.
    """

    def __init__(self, num_feat: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(num_feat, num_feat, 1)

    def forward(self, x: Tensor) -> Tensor:
        return ops.pixel_attention(x, F.conv2d(x, self.conv.weight), self.conv.bias)


class SpatialAttention(nn.Module):
    """CBAM's spatial attention: ``x * sigmoid(conv_kxk([mean_c(x), max_c(x)]))`` with a 2 -> 1
    channel conv without bias (no batch norm); the sigmoid and the product in one fused op.
    Key: conv. forward: (N, C, H, W) -> same shape.
    """

    def __init__(self, kernel_size: int = 7) -> None:
        super().__init__()
        if kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"SpatialAttention: expected an odd `kernel_size` >= 1, got {kernel_size}")
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        pooled = torch.cat([x.mean(1, keepdim=True), x.amax(1, keepdim=True)], dim=1)
        return ops.pixel_attention(x, self.conv(pooled))
