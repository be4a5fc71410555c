"""Plain-PyTorch references of SCN, FSRCNN, DRCN, VDSR, LapSRN and the Upsampler layer,
written from the papers with the state-dict keys of srgan_cpp's C++ models (the tests load
one's weights into the other strictly and compare in float64)."""
from __future__ import annotations

from typing import List, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def shrink(a: Tensor, threshold: Tensor) -> Tensor:
    """Eager soft threshold sign(a) * max(|a| - theta_c, 0), theta per channel (dim 1)."""
    return torch.sign(a) * torch.relu(a.abs() - threshold.to(a.dtype).view(1, -1, 1, 1))


class UpsamplerRef(nn.Module):
    def __init__(self, channels: int, scale: int, mode: str = "pixel_shuffle", activation: str = "none",
                 negative_slope: float = 0.2) -> None:
        super().__init__()
        self.mode, self.activation, self.slope = mode, activation, negative_slope
        self.factors = [3] if scale == 3 else [2] * (scale.bit_length() - 1)
        for i, r in enumerate(self.factors):
            if mode == "transposed_conv":
                layer: nn.Module = nn.ConvTranspose2d(channels, channels, 4 if r == 2 else 3, stride=r,
                                                      padding=1 if r == 2 else 0)
            else:
                layer = nn.Conv2d(channels, channels * r * r if mode == "pixel_shuffle" else channels, 3, padding=1)
            self.add_module(str(2 * i), layer)
            if activation == "prelu":
                self.add_module(str(2 * i + 1), nn.PReLU())

    def _act(self, x: Tensor, i: int) -> Tensor:
        if self.activation == "relu":
            return F.relu(x)
        if self.activation == "leaky_relu":
            return F.leaky_relu(x, self.slope)
        if self.activation == "prelu":
            return getattr(self, str(2 * i + 1))(x)
        return x

    def forward(self, x: Tensor) -> Tensor:
        for i, r in enumerate(self.factors):
            layer = getattr(self, str(2 * i))
            if self.mode == "pixel_shuffle":
                x = self._act(F.pixel_shuffle(layer(x), r), i)
            elif self.mode == "transposed_conv":
                x = self._act(layer(x), i)
            else:
                x = self._act(layer(F.interpolate(x, scale_factor=r, mode="nearest")), i)
        return x


class VDSRRef(nn.Module):
    """The common PyTorch VDSR (Conv_ReLU_Block residual layer, no biases)."""

    class Block(nn.Module):
        def __init__(self, f: int) -> None:
            super().__init__()
            self.conv = nn.Conv2d(f, f, 3, padding=1, bias=False)

        def forward(self, x: Tensor) -> Tensor:
            return F.relu(self.conv(x))

    def __init__(self, in_channels: int = 1, num_features: int = 64, num_layers: int = 20) -> None:
        super().__init__()
        self.input = nn.Conv2d(in_channels, num_features, 3, padding=1, bias=False)
        self.residual_layer = nn.Sequential(*[self.Block(num_features) for _ in range(num_layers - 2)])
        self.output = nn.Conv2d(num_features, in_channels, 3, padding=1, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        return self.output(self.residual_layer(F.relu(self.input(x)))) + x


class FSRCNNRef(nn.Module):
    """The common PyTorch FSRCNN (first_part, mid_part, last_part)."""

    def __init__(self, in_channels: int = 1, d: int = 56, s: int = 12, m: int = 4, scale: int = 3) -> None:
        super().__init__()
        self.first_part = nn.Sequential(nn.Conv2d(in_channels, d, 5, padding=2), nn.PReLU(d))
        mid: List[nn.Module] = [nn.Conv2d(d, s, 1), nn.PReLU(s)]
        for _ in range(m):
            mid += [nn.Conv2d(s, s, 3, padding=1), nn.PReLU(s)]
        mid += [nn.Conv2d(s, d, 1), nn.PReLU(d)]
        self.mid_part = nn.Sequential(*mid)
        self.last_part = nn.ConvTranspose2d(d, in_channels, 9, stride=scale, padding=4, output_padding=scale - 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.last_part(self.mid_part(self.first_part(x)))


class DRCNRef(nn.Module):
    def __init__(self, in_channels: int = 1, num_features: int = 256, num_recursions: int = 16) -> None:
        super().__init__()
        c, f = in_channels, num_features
        self.embedding = nn.Sequential(nn.Conv2d(c, f, 3, padding=1), nn.ReLU(), nn.Conv2d(f, f, 3, padding=1),
                                       nn.ReLU())
        self.inference = nn.Conv2d(f, f, 3, padding=1)
        self.reconstruction = nn.Sequential(nn.Conv2d(f, f, 3, padding=1), nn.ReLU(), nn.Conv2d(f, c, 3, padding=1))
        self.ensemble_weight = nn.Parameter(torch.full((num_recursions,), 1.0 / num_recursions))

    def forward_all(self, x: Tensor) -> Tuple[Tensor, List[Tensor]]:
        h = self.embedding(x)
        preds = []
        for _ in range(self.ensemble_weight.numel()):
            h = F.relu(self.inference(h))
            preds.append(self.reconstruction(h) + x)
        return sum(w * y for w, y in zip(self.ensemble_weight, preds)), preds  # type: ignore[return-value]

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_all(x)[0]


class SCNRef(nn.Module):
    def __init__(self, in_channels: int = 1, num_filters: int = 100, code_size: int = 128, lr_patch: int = 9,
                 hr_patch: int = 5, num_stages: int = 1, residual: bool = True) -> None:
        super().__init__()
        self.num_stages, self.residual = num_stages, residual
        self.extract = nn.Conv2d(in_channels, num_filters, lr_patch, padding=lr_patch // 2)
        self.encode = nn.Conv2d(num_filters, code_size, 1, bias=False)
        if num_stages > 0:
            self.recur = nn.Conv2d(code_size, code_size, 1, bias=False)
        self.threshold = nn.Parameter(torch.full((code_size,), 0.01))
        self.dictionary = nn.Conv2d(code_size, hr_patch * hr_patch, 1, bias=False)
        self.aggregate = nn.Conv2d(hr_patch * hr_patch, in_channels, hr_patch, padding=hr_patch // 2, bias=False)

    def sparse_code(self, x: Tensor) -> Tensor:
        wy = self.encode(self.extract(x))
        z = shrink(wy, self.threshold)
        for _ in range(self.num_stages):
            z = shrink(wy + self.recur(z), self.threshold)
        return z

    def forward(self, x: Tensor) -> Tensor:
        out = self.aggregate(self.dictionary(self.sparse_code(x)))
        return out + x if self.residual else out


class LapSRNRef(nn.Module):
    class Level(nn.Module):
        def __init__(self, c: int, f: int, depth: int, upsampler: str, slope: float) -> None:
            super().__init__()
            self.slope = slope
            self.body = nn.Sequential(*[nn.Conv2d(f, f, 3, padding=1) for _ in range(depth)])
            self.upsample = UpsamplerRef(f, 2, upsampler, "leaky_relu", slope)
            self.to_residual = nn.Conv2d(f, c, 3, padding=1)
            self.image_up = nn.ConvTranspose2d(c, c, 4, stride=2, padding=1)

        def forward(self, h: Tensor, img: Tensor) -> Tuple[Tensor, Tensor]:
            for conv in self.body:
                h = F.leaky_relu(conv(h), self.slope)
            h = self.upsample(h)
            return h, self.image_up(img) + self.to_residual(h)

    def __init__(self, in_channels: int = 1, num_features: int = 64, depth: int = 10, scale: int = 4,
                 upsampler: str = "transposed_conv", negative_slope: float = 0.2) -> None:
        super().__init__()
        self.slope = negative_slope
        self.conv_input = nn.Conv2d(in_channels, num_features, 3, padding=1)
        self.levels = nn.Sequential(*[self.Level(in_channels, num_features, depth, upsampler, negative_slope)
                                      for _ in range(scale.bit_length() - 1)])

    def forward_pyramid(self, x: Tensor) -> List[Tensor]:
        h, img, out = F.leaky_relu(self.conv_input(x), self.slope), x, []
        for level in self.levels:
            h, img = level(h, img)
            out.append(img)
        return out

    def forward(self, x: Tensor) -> Tensor:
        return self.forward_pyramid(x)[-1]
