"""Plain-PyTorch re-implementation of the PSRGAN generator (the public PSRGAN code's
`D_msrresnet0` with its KDB/ESA distillation branch), written from reading that code, used
by the tests as the reference for srgan_cpp's C++ PSRGANGenerator: same state_dict keys (in
the same order), same shapes, same outputs. Not part of the package."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def ds_conv(cin: int, cout: int, k: int, stride: int = 1) -> nn.Sequential:
    """Depthwise k x k (groups=cin, padding (k-1)/2) then pointwise 1x1: keys .0 and .1."""
    return nn.Sequential(nn.Conv2d(cin, cin, k, stride, (k - 1) // 2, groups=cin), nn.Conv2d(cin, cout, 1))


class ESA(nn.Module):
    def __init__(self, n: int):
        super().__init__()
        f = n // 4
        self.conv1 = ds_conv(n, f, 1)
        self.conv_f = ds_conv(f, f, 1)
        self.conv_max = ds_conv(f, f, 3)
        self.conv2 = ds_conv(f, f, 3, 2)
        self.conv3 = ds_conv(f, f, 3)
        self.conv3_ = ds_conv(f, f, 3)
        self.conv4 = ds_conv(f, n, 1)

    def forward(self, x):
        a = self.conv1(x)
        b = F.max_pool2d(self.conv2(a), kernel_size=7, stride=3)
        b = F.relu(self.conv_max(b))
        b = self.conv3_(F.relu(self.conv3(b)))
        b = F.interpolate(b, (x.size(2), x.size(3)), mode="bilinear", align_corners=False)
        return x * torch.sigmoid(self.conv4(b + self.conv_f(a)))


class KDB(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        d = c // 2
        self.c1_d, self.c1_r = ds_conv(c, d, 1), ds_conv(c, c, 3)
        self.c2_d, self.c2_r = ds_conv(c, d, 1), ds_conv(c, c, 3)
        self.c3_d, self.c3_r = ds_conv(c, d, 1), ds_conv(c, c, 3)
        self.c4 = ds_conv(c, d, 3)
        self.c5 = ds_conv(4 * d, c, 1)
        self.esa = ESA(c)

    def forward(self, x):
        act = lambda t: F.leaky_relu(t, 0.05)  # noqa: E731
        outs = []
        r = x
        for cd, cr in ((self.c1_d, self.c1_r), (self.c2_d, self.c2_r), (self.c3_d, self.c3_r)):
            outs.append(act(cd(r)))
            r = act(cr(r) + r)
        outs.append(act(self.c4(r)))
        return self.esa(self.c5(torch.cat(outs, 1)))


def _act(act_mode: str) -> nn.Module:
    return nn.ReLU() if act_mode == "R" else nn.LeakyReLU(0.2)


class ResBlockDS(nn.Module):
    def __init__(self, c: int, act_mode: str):
        super().__init__()
        dw1, pw1 = ds_conv(c, c, 3)
        dw2, pw2 = ds_conv(c, c, 3)
        self.res = nn.Sequential(dw1, pw1, _act(act_mode), dw2, pw2)

    def forward(self, x):
        return x + self.res(x)


class Shortcut(nn.Module):
    def __init__(self, sub: nn.Module):
        super().__init__()
        self.sub = sub

    def forward(self, x):
        return x + self.sub(x)


class PSRGANGeneratorRef(nn.Module):
    def __init__(self, in_nc=3, out_nc=3, nc=64, nb=16, upscale=2, act_mode="R", upsample_mode="upconv"):
        super().__init__()
        self.KD = KDB(nc)
        self.head = nn.Conv2d(in_nc, nc, 3, 1, 1)
        self.body = Shortcut(nn.Sequential(*[ResBlockDS(nc, act_mode) for _ in range(nb)],
                                           nn.Conv2d(nc, nc, 3, 1, 1)))
        stages, r = (2, 2) if upscale == 4 else (1, upscale)
        layers = []
        for _ in range(stages):
            if upsample_mode == "upconv":
                layers += [nn.Upsample(scale_factor=r, mode="nearest"), nn.Conv2d(nc, nc, 3, 1, 1), _act(act_mode)]
            else:
                layers += [nn.Conv2d(nc, nc * r * r, 3, 1, 1), nn.PixelShuffle(r), _act(act_mode)]
        layers += [nn.Conv2d(nc, nc, 3, 1, 1), _act(act_mode), nn.Conv2d(nc, out_nc, 3, 1, 1, bias=False)]
        self.tail = nn.Sequential(*layers)
        self.copress = nn.Conv2d(2 * nc, nc, 1)

    def forward(self, x):
        h = self.head(x)
        return self.tail(self.copress(torch.cat([self.KD(h), self.body(h)], 1)))
