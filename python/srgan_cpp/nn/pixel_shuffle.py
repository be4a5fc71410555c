"""torch.nn.Modules over the pixel-shuffle ops."""
from __future__ import annotations

from typing import Callable, Optional

import torch
from torch import Tensor, nn

from .. import ops
from ..ops._checks import ACTIVATIONS, check_int_arg


class _ShuffleByFactor(nn.Module):
    """What PixelShuffle and PixelUnshuffle share: one integer factor, kept under torch's own
    attribute name (``upscale_factor`` / ``downscale_factor``) so they stay drop-ins, and the op."""

    def __init__(self, factor_name: str, factor: int, shuffle: Callable[[Tensor, int], Tensor]) -> None:
        super().__init__()
        self._factor_name = factor_name
        self._shuffle = shuffle
        setattr(self, factor_name, check_int_arg(factor, type(self).__name__, factor_name))

    def forward(self, input: Tensor) -> Tensor:
        return self._shuffle(input, getattr(self, self._factor_name))

    def extra_repr(self) -> str:
        return f"{self._factor_name}={getattr(self, self._factor_name)}"


class PixelShuffle(_ShuffleByFactor):
    """(N, C*r*r, H, W) -> (N, C, H*r, W*r), drop-in for ``torch.nn.PixelShuffle``."""

    def __init__(self, upscale_factor: int) -> None:
        super().__init__("upscale_factor", upscale_factor, ops.pixel_shuffle)


class PixelUnshuffle(_ShuffleByFactor):
    """(N, C, H*r, W*r) -> (N, C*r*r, H, W), drop-in for ``torch.nn.PixelUnshuffle``."""

    def __init__(self, downscale_factor: int) -> None:
        super().__init__("downscale_factor", downscale_factor, ops.pixel_unshuffle)


class FusedPixelShuffle(nn.Module):
    """Pixel shuffle with a fused activation: ``act(shuffle(x + bias)) + residual``.

    Args:
        upscale_factor: r.
        activation: "none" | "relu" | "leaky_relu" | "prelu".
        num_parameters: PReLU slopes, 1 or the output channel count C (like ``nn.PReLU``).
        init: initial PReLU slope.
        negative_slope: LeakyReLU slope.
    Holds ``weight`` (the PReLU slopes) when activation is "prelu". ``forward(x, bias=None,
    residual=None)`` takes the optional (C*r*r,) bias and (N, C, H*r, W*r) residual.
    """

    def __init__(self, upscale_factor: int, activation: str = "prelu", num_parameters: int = 1,
                 init: float = 0.25, negative_slope: float = 0.01) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"FusedPixelShuffle: expected `activation` to be one of {ACTIVATIONS}, got {activation!r}")
        self.upscale_factor = check_int_arg(upscale_factor, "FusedPixelShuffle", "upscale_factor")
        self.activation = activation
        self.negative_slope = float(negative_slope)
        if activation == "prelu":
            self.weight = nn.Parameter(torch.full((num_parameters,), float(init)))
        else:
            self.register_parameter("weight", None)

    def forward(self, input: Tensor, bias: Optional[Tensor] = None, residual: Optional[Tensor] = None) -> Tensor:
        return ops.fused_pixel_shuffle(input, self.upscale_factor, bias, self.activation, self.weight,
                                       self.negative_slope, residual)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}, activation={self.activation!r}"


class ConvPixelShuffle(nn.Module):
    """An SR upsampling block: conv(k x k, in -> out*r*r) -> pixel shuffle -> activation.

    The conv runs without its bias; bias, shuffle and activation then happen in one fused
    pass. State-dict keys match ``nn.Sequential``-style blocks: ``conv.weight``,
    ``conv.bias`` and, for PReLU, ``act.weight``.

    Input (N, in_channels, H, W) -> output (N, out_channels, H*r, W*r).
    """

    def __init__(self, in_channels: int, out_channels: int, upscale_factor: int, kernel_size: int = 3,
                 activation: str = "prelu", num_parameters: int = 1, negative_slope: float = 0.01) -> None:
        super().__init__()
        r = check_int_arg(upscale_factor, "ConvPixelShuffle", "upscale_factor")
        self.conv = nn.Conv2d(in_channels, out_channels * r * r, kernel_size, padding=kernel_size // 2)
        self.act = FusedPixelShuffle(r, activation, num_parameters, negative_slope=negative_slope)

    def forward(self, input: Tensor, residual: Optional[Tensor] = None) -> Tensor:
        y = torch.nn.functional.conv2d(input, self.conv.weight, None, self.conv.stride, self.conv.padding)
        return self.act(y, self.conv.bias, residual)
