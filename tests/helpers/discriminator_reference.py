"""Plain-PyTorch re-implementations of the discriminator architectures srgan_cpp builds in
C++, written from the published layouts (BasicSR / Real-ESRGAN / KAIR), for the tests:
torch.nn.BatchNorm2d and torch.nn.utils.spectral_norm give the reference semantics."""
from __future__ import annotations

import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm


class VGGStyleDiscriminator(nn.Module):
    """BasicSR's VGGStyleDiscriminator: (N, C, S, S), S = 128 | 256 -> (N, 1)."""

    def __init__(self, num_in_ch=3, num_feat=64, input_size=128):
        super().__init__()
        assert input_size in (128, 256)
        f = num_feat
        self.conv0_0 = nn.Conv2d(num_in_ch, f, 3, 1, 1)
        self.conv0_1 = nn.Conv2d(f, f, 4, 2, 1, bias=False)
        self.bn0_1 = nn.BatchNorm2d(f)
        self.names = ["0_1"]
        ch = f
        for s in range(1, 6 if input_size == 256 else 5):
            out = f * min(2 ** s, 8)
            setattr(self, f"conv{s}_0", nn.Conv2d(ch, out, 3, 1, 1, bias=False))
            setattr(self, f"bn{s}_0", nn.BatchNorm2d(out))
            setattr(self, f"conv{s}_1", nn.Conv2d(out, out, 4, 2, 1, bias=False))
            setattr(self, f"bn{s}_1", nn.BatchNorm2d(out))
            self.names += [f"{s}_0", f"{s}_1"]
            ch = out
        self.linear1 = nn.Linear(f * 8 * 4 * 4, 100)
        self.linear2 = nn.Linear(100, 1)

    def forward(self, x):
        x = F.leaky_relu(self.conv0_0(x), 0.2)
        for n in self.names:
            x = F.leaky_relu(getattr(self, "bn" + n)(getattr(self, "conv" + n)(x)), 0.2)
        x = F.leaky_relu(self.linear1(x.flatten(1)), 0.2)
        return self.linear2(x)


class UNetDiscriminatorSN(nn.Module):
    """Real-ESRGAN's UNetDiscriminatorSN: (N, C, H, W) -> (N, 1, H, W)."""

    def __init__(self, num_in_ch=3, num_feat=64, skip_connection=True):
        super().__init__()
        f = num_feat
        self.skip_connection = skip_connection
        self.conv0 = nn.Conv2d(num_in_ch, f, 3, 1, 1)
        spec = [(f, 2 * f, 4), (2 * f, 4 * f, 4), (4 * f, 8 * f, 4), (8 * f, 4 * f, 3), (4 * f, 2 * f, 3),
                (2 * f, f, 3), (f, f, 3), (f, f, 3)]
        for i, (cin, cout, k) in enumerate(spec, start=1):
            setattr(self, f"conv{i}", spectral_norm(nn.Conv2d(cin, cout, k, 2 if k == 4 else 1, 1, bias=False)))
        self.conv9 = nn.Conv2d(f, 1, 3, 1, 1)

    def forward(self, x):
        act = lambda t: F.leaky_relu(t, 0.2)  # noqa: E731
        up = lambda t: F.interpolate(t, scale_factor=2, mode="bilinear", align_corners=False)  # noqa: E731
        x0 = act(self.conv0(x))
        x1 = act(self.conv1(x0))
        x2 = act(self.conv2(x1))
        x3 = act(self.conv3(x2))
        x4 = act(self.conv4(up(x3)))
        if self.skip_connection:
            x4 = x4 + x2
        x5 = act(self.conv5(up(x4)))
        if self.skip_connection:
            x5 = x5 + x1
        x6 = act(self.conv6(up(x5)))
        if self.skip_connection:
            x6 = x6 + x0
        out = act(self.conv7(x6))
        out = act(self.conv8(out))
        return self.conv9(out)


class DiscriminatorVGG96(nn.Module):
    """KAIR's Discriminator_VGG_96 layout (PSRGAN's netD): (N, C, 96, 96) -> (N, 1)."""

    def __init__(self, in_nc=3, base_nc=64, ac_type="BL"):
        super().__init__()
        b = base_nc
        layers = [nn.Conv2d(in_nc, b, 3, 1, 1)]
        ch = b
        for out, k in [(b, 4), (2 * b, 3), (2 * b, 4), (4 * b, 3), (4 * b, 4), (8 * b, 3), (8 * b, 4), (8 * b, 3),
                       (8 * b, 4)]:
            layers.append(nn.Conv2d(ch, out, k, 2 if k == 4 else 1, 1))
            for c in ac_type:
                if c == "B":
                    layers.append(nn.BatchNorm2d(out, momentum=0.9, eps=1e-4))
                elif c in "Ll":
                    layers.append(nn.LeakyReLU(0.2))
                else:
                    layers.append(nn.ReLU())
            ch = out
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Linear(8 * b * 3 * 3, 100), nn.LeakyReLU(0.2), nn.Linear(100, 1))

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))
