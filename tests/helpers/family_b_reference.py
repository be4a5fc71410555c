"""Plain-PyTorch re-implementations of RCAN (BasicSR's rcan_arch.py), RDN (EDSR-PyTorch's
src/model/rdn.py), DRRN (the common PyTorch port, generalised to B blocks) and PAN (the
authors' PAN_arch.py), with the reference code's state-dict keys, for the C++ models' tests."""
from __future__ import annotations

import math
from typing import List, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .attention_reference import ChannelAttention, PixelAttention


# ---------------------------------------------------------------------------------------
# RCAN (BasicSR)
# ---------------------------------------------------------------------------------------
class Upsample(nn.Sequential):
    """BasicSR's arch_util.Upsample."""

    def __init__(self, scale: int, num_feat: int) -> None:
        layers: List[nn.Module] = []
        if scale & (scale - 1) == 0:
            for _ in range(int(math.log2(scale))):
                layers += [nn.Conv2d(num_feat, 4 * num_feat, 3, 1, 1), nn.PixelShuffle(2)]
        elif scale == 3:
            layers += [nn.Conv2d(num_feat, 9 * num_feat, 3, 1, 1), nn.PixelShuffle(3)]
        else:
            raise ValueError(scale)
        super().__init__(*layers)


class RCAB(nn.Module):
    def __init__(self, num_feat: int, squeeze_factor: int, res_scale: float) -> None:
        super().__init__()
        self.res_scale = res_scale
        self.rcab = nn.Sequential(nn.Conv2d(num_feat, num_feat, 3, 1, 1), nn.ReLU(True),
                                  nn.Conv2d(num_feat, num_feat, 3, 1, 1), ChannelAttention(num_feat, squeeze_factor))

    def forward(self, x: Tensor) -> Tensor:
        return self.rcab(x) * self.res_scale + x


class ResidualGroup(nn.Module):
    def __init__(self, num_feat: int, num_block: int, squeeze_factor: int, res_scale: float) -> None:
        super().__init__()
        self.residual_group = nn.Sequential(*[RCAB(num_feat, squeeze_factor, res_scale) for _ in range(num_block)])
        self.conv = nn.Conv2d(num_feat, num_feat, 3, 1, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(self.residual_group(x)) + x


class RCAN(nn.Module):
    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, num_feat: int = 64, num_group: int = 10,
                 num_block: int = 20, squeeze_factor: int = 16, upscale: int = 4, res_scale: float = 1.0,
                 img_range: float = 255.0, rgb_mean: Sequence[float] = (0.4488, 0.4371, 0.4040)) -> None:
        super().__init__()
        self.img_range = img_range
        self.mean = torch.Tensor(rgb_mean).view(1, 3, 1, 1)
        self.conv_first = nn.Conv2d(num_in_ch, num_feat, 3, 1, 1)
        self.body = nn.Sequential(*[ResidualGroup(num_feat, num_block, squeeze_factor, res_scale)
                                    for _ in range(num_group)])
        self.conv_after_body = nn.Conv2d(num_feat, num_feat, 3, 1, 1)
        self.upsample = Upsample(upscale, num_feat)
        self.conv_last = nn.Conv2d(num_feat, num_out_ch, 3, 1, 1)

    def forward(self, x: Tensor) -> Tensor:
        self.mean = self.mean.type_as(x)
        x = (x - self.mean) * self.img_range
        x = self.conv_first(x)
        res = self.conv_after_body(self.body(x)) + x
        return self.conv_last(self.upsample(res)) / self.img_range + self.mean


# ---------------------------------------------------------------------------------------
# RDN (EDSR-PyTorch), with img_range: EDSR-PyTorch feeds [0, 255] images (rgb_range 255)
# ---------------------------------------------------------------------------------------
class RDBConv(nn.Module):
    def __init__(self, in_channels: int, growth: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(in_channels, growth, 3, padding=1), nn.ReLU())

    def forward(self, x: Tensor) -> Tensor:
        return torch.cat((x, self.conv(x)), 1)


class RDB(nn.Module):
    def __init__(self, g0: int, growth: int, layers: int) -> None:
        super().__init__()
        self.convs = nn.Sequential(*[RDBConv(g0 + c * growth, growth) for c in range(layers)])
        self.LFF = nn.Conv2d(g0 + layers * growth, g0, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.LFF(self.convs(x)) + x


class RDN(nn.Module):
    def __init__(self, num_in_ch: int = 3, num_out_ch: int = 3, upscale: int = 4, num_features: int = 64,
                 num_blocks: int = 16, num_layers: int = 8, growth_rate: int = 64, img_range: float = 1.0) -> None:
        super().__init__()
        g0, g, r = num_features, growth_rate, upscale
        self.img_range = img_range
        self.SFENet1 = nn.Conv2d(num_in_ch, g0, 3, padding=1)
        self.SFENet2 = nn.Conv2d(g0, g0, 3, padding=1)
        self.RDBs = nn.ModuleList([RDB(g0, g, num_layers) for _ in range(num_blocks)])
        self.GFF = nn.Sequential(nn.Conv2d(num_blocks * g0, g0, 1), nn.Conv2d(g0, g0, 3, padding=1))
        if r in (2, 3):
            self.UPNet = nn.Sequential(nn.Conv2d(g0, g * r * r, 3, padding=1), nn.PixelShuffle(r),
                                       nn.Conv2d(g, num_out_ch, 3, padding=1))
        else:
            self.UPNet = nn.Sequential(nn.Conv2d(g0, g * 4, 3, padding=1), nn.PixelShuffle(2),
                                       nn.Conv2d(g, g * 4, 3, padding=1), nn.PixelShuffle(2),
                                       nn.Conv2d(g, num_out_ch, 3, padding=1))

    def forward(self, x: Tensor) -> Tensor:
        f1 = self.SFENet1(x * self.img_range)
        x = self.SFENet2(f1)
        outs = []
        for block in self.RDBs:
            x = block(x)
            outs.append(x)
        x = self.GFF(torch.cat(outs, 1)) + f1
        return self.UPNet(x) / self.img_range


# ---------------------------------------------------------------------------------------
# DRRN
# ---------------------------------------------------------------------------------------
class DRRNPort(nn.Module):
    """The common single-block PyTorch DRRN port (B1U25): keys input, conv1, conv2, output."""

    def __init__(self, num_units: int = 25, num_feat: int = 128) -> None:
        super().__init__()
        self.num_units = num_units
        self.input = nn.Conv2d(1, num_feat, 3, 1, 1, bias=False)
        self.conv1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1, bias=False)
        self.conv2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1, bias=False)
        self.output = nn.Conv2d(num_feat, 1, 3, 1, 1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        inputs = self.input(F.relu(x))
        out = inputs
        for _ in range(self.num_units):
            out = self.conv2(F.relu(self.conv1(F.relu(out)))) + inputs
        return self.output(F.relu(out)) + x


class RecursiveBlock(nn.Module):
    def __init__(self, in_channels: int, num_feat: int, num_units: int) -> None:
        super().__init__()
        self.num_units = num_units
        self.entry = nn.Conv2d(in_channels, num_feat, 3, 1, 1, bias=False)
        self.conv1 = nn.Conv2d(num_feat, num_feat, 3, 1, 1, bias=False)
        self.conv2 = nn.Conv2d(num_feat, num_feat, 3, 1, 1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        h0 = self.entry(F.relu(x))
        h = h0
        for _ in range(self.num_units):
            h = self.conv2(F.relu(self.conv1(F.relu(h)))) + h0
        return h


class DRRN(nn.Module):
    def __init__(self, num_in_ch: int = 1, num_feat: int = 128, num_blocks: int = 1, num_units: int = 25) -> None:
        super().__init__()
        self.blocks = nn.Sequential(*[RecursiveBlock(num_in_ch if b == 0 else num_feat, num_feat, num_units)
                                      for b in range(num_blocks)])
        self.output = nn.Conv2d(num_feat, num_in_ch, 3, 1, 1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.output(F.relu(self.blocks(x))) + x


# ---------------------------------------------------------------------------------------
# PAN (the authors' code)
# ---------------------------------------------------------------------------------------
class PAConv(nn.Module):
    def __init__(self, nf: int) -> None:
        super().__init__()
        self.k2 = nn.Conv2d(nf, nf, 1)
        self.k3 = nn.Conv2d(nf, nf, 3, padding=1, bias=False)
        self.k4 = nn.Conv2d(nf, nf, 3, padding=1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.k4(self.k3(x) * torch.sigmoid(self.k2(x)))


class SCPA(nn.Module):
    def __init__(self, nf: int) -> None:
        super().__init__()
        half = nf // 2
        self.conv1_a = nn.Conv2d(nf, half, 1, bias=False)
        self.conv1_b = nn.Conv2d(nf, half, 1, bias=False)
        self.k1 = nn.Sequential(nn.Conv2d(half, half, 3, padding=1, bias=False))
        self.PAConv = PAConv(half)
        self.conv3 = nn.Conv2d(nf, nf, 1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        a = F.leaky_relu(self.k1(F.leaky_relu(self.conv1_a(x), 0.2)), 0.2)
        b = F.leaky_relu(self.PAConv(F.leaky_relu(self.conv1_b(x), 0.2)), 0.2)
        return self.conv3(torch.cat([a, b], 1)) + x


class PAN(nn.Module):
    def __init__(self, in_nc: int = 3, out_nc: int = 3, nf: int = 40, unf: int = 24, nb: int = 16,
                 scale: int = 4) -> None:
        super().__init__()
        self.scale = scale
        self.conv_first = nn.Conv2d(in_nc, nf, 3, 1, 1)
        self.SCPA_trunk = nn.Sequential(*[SCPA(nf) for _ in range(nb)])
        self.trunk_conv = nn.Conv2d(nf, nf, 3, 1, 1)
        self.upconv1 = nn.Conv2d(nf, unf, 3, 1, 1)
        self.att1 = PixelAttention(unf)
        self.HRconv1 = nn.Conv2d(unf, unf, 3, 1, 1)
        if scale == 4:
            self.upconv2 = nn.Conv2d(unf, unf, 3, 1, 1)
            self.att2 = PixelAttention(unf)
            self.HRconv2 = nn.Conv2d(unf, unf, 3, 1, 1)
        self.conv_last = nn.Conv2d(unf, out_nc, 3, 1, 1)

    def _stage(self, fea: Tensor, factor: int, up: nn.Module, att: nn.Module, hr: nn.Module) -> Tensor:
        fea = up(F.interpolate(fea, scale_factor=factor, mode="nearest"))
        fea = F.leaky_relu(att(fea), 0.2)
        return F.leaky_relu(hr(fea), 0.2)

    def forward(self, x: Tensor) -> Tensor:
        fea = self.conv_first(x)
        fea = fea + self.trunk_conv(self.SCPA_trunk(fea))
        if self.scale == 4:
            fea = self._stage(fea, 2, self.upconv1, self.att1, self.HRconv1)
            fea = self._stage(fea, 2, self.upconv2, self.att2, self.HRconv2)
        else:
            fea = self._stage(fea, self.scale, self.upconv1, self.att1, self.HRconv1)
        out = self.conv_last(fea)
        return out + F.interpolate(x, scale_factor=self.scale, mode="bilinear", align_corners=False)
