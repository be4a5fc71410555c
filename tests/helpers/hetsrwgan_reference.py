"""Plain-PyTorch references for srgan_cpp's HetSRWGAN generator and WGAN critic (the
architectures are srgan_cpp's own, documented in docs/models.md): HetConvs are dense 3x3
convs with weights assembled from the heterogeneous parameters (het_conv_reference), the
pixel-shuffle tails are unfused. Same state_dict keys, same outputs. Not part of the package."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .het_conv_reference import het_conv2d_reference


class HetConvRef(nn.Module):
    def __init__(self, c: int, parts: int):
        super().__init__()
        self.parts = parts
        self.weight3x3 = nn.Parameter(torch.randn(c, c // parts, 3, 3) * 0.1)
        self.weight1x1 = nn.Parameter(torch.randn(c, c - c // parts) * 0.1)
        self.bias = nn.Parameter(torch.randn(c) * 0.1)

    def forward(self, x):
        return het_conv2d_reference(x, self.weight3x3, self.weight1x1, self.bias, self.parts)


class HetBlockRef(nn.Module):
    def __init__(self, c, parts, act, slope, res_scale):
        super().__init__()
        self.conv1, self.conv2 = HetConvRef(c, parts), HetConvRef(c, parts)
        self.act, self.slope, self.res_scale = act, slope, res_scale
        if act == "prelu":
            self.prelu_weight = nn.Parameter(torch.full((c,), slope))

    def forward(self, x):
        h = self.conv1(x)
        h = F.relu(h) if self.act == "relu" else (
            F.leaky_relu(h, self.slope) if self.act == "leaky_relu" else F.prelu(h, self.prelu_weight))
        return x + self.conv2(h) * self.res_scale


class HetSRWGANGeneratorRef(nn.Module):
    def __init__(self, num_in_ch=3, num_out_ch=3, num_feat=64, num_block=16, parts=4, upscale=4, act="prelu",
                 negative_slope=0.2, res_scale=1.0):
        super().__init__()
        f = num_feat
        self.act, self.slope, self.upscale = act, negative_slope, upscale
        self.conv_first = nn.Conv2d(num_in_ch, f, 3, 1, 1)
        if act == "prelu":
            self.act_first = nn.PReLU(f, negative_slope)
        self.body = nn.Sequential(*[HetBlockRef(f, parts, act, negative_slope, res_scale) for _ in range(num_block)])
        self.conv_body = nn.Conv2d(f, f, 3, 1, 1)
        r1 = 2 if upscale == 4 else upscale
        self.upconv1 = nn.Conv2d(f, f * r1 * r1, 3, 1, 1)
        if act == "prelu":
            self.act_up1 = nn.PReLU(f, negative_slope)
        if upscale == 4:
            self.upconv2 = nn.Conv2d(f, f * 4, 3, 1, 1)
            if act == "prelu":
                self.act_up2 = nn.PReLU(f, negative_slope)
        self.conv_last = nn.Conv2d(f, num_out_ch, 3, 1, 1)

    def _a(self, x, name):
        if self.act == "prelu":
            return getattr(self, name)(x)
        return F.relu(x) if self.act == "relu" else F.leaky_relu(x, self.slope)

    def forward(self, x):
        fea = self._a(self.conv_first(x), "act_first")
        out = self.conv_body(self.body(fea)) + fea
        r1 = 2 if self.upscale == 4 else self.upscale
        out = self._a(F.pixel_shuffle(self.upconv1(out), r1), "act_up1")
        if self.upscale == 4:
            out = self._a(F.pixel_shuffle(self.upconv2(out), 2), "act_up2")
        return self.conv_last(out)


class HetSRWGANCriticRef(nn.Module):
    def __init__(self, num_in_ch=3, num_feat=64, num_stages=5, linear_feat=100, norm="none", negative_slope=0.2):
        super().__init__()
        self.slope = negative_slope
        self.layers = []
        cin = num_in_ch
        for i in range(num_stages):
            ch = num_feat * min(2 ** i, 8)
            for j in range(2):
                conv = nn.Conv2d(cin, ch, 3, 1, 1) if j == 0 else nn.Conv2d(ch, ch, 4, 2, 1)
                self.add_module(f"conv{i}_{j}", conv)
                gn = None
                if norm != "none" and (i, j) != (0, 0):
                    gn = nn.GroupNorm(1 if norm == "layer" else ch, ch)
                    self.add_module(f"norm{i}_{j}", gn)
                self.layers.append((conv, gn))
                cin = ch
        self.linear1 = nn.Linear(cin, linear_feat)
        self.linear2 = nn.Linear(linear_feat, 1)

    def forward(self, x):
        for conv, gn in self.layers:
            x = conv(x)
            if gn is not None:
                x = gn(x)
            x = F.leaky_relu(x, self.slope)
        return self.linear2(F.leaky_relu(self.linear1(x.mean((2, 3))), self.slope))
