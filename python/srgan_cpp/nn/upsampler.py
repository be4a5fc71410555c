"""The SR literature's up-sampling choices as one layer (C++: csrc/nn/upsampler.h)."""
from __future__ import annotations

from .. import _C
from .._cpp_module import CppModule

MODES = ("pixel_shuffle", "transposed_conv", "nearest_conv")
ACTIVATIONS = ("none", "relu", "leaky_relu", "prelu")


class Upsampler(CppModule):
    """Up-samples features by ``scale`` (a power of 2: x2 stages, or 3: one x3 stage).

    Args:
        channels: feature channels C (in and out).
        scale: 2, 4, 8, ... or 3.
        mode: ``"pixel_shuffle"`` (conv3x3 C -> C r^2, then pixel shuffle - ESPCN, EDSR,
            SRResNet; bias and activation applied in srgan_cpp's fused pixel-shuffle op),
            ``"transposed_conv"`` (a learned 4x4 stride-2 transposed conv per x2 stage, 3x3
            stride 3 for x3 - FSRCNN, LapSRN) or ``"nearest_conv"`` (nearest-neighbour x r,
            then conv3x3 C -> C - ESRGAN; no checkerboard artefacts).
        activation: after each stage: ``"none"``, ``"relu"``, ``"leaky_relu"``
            (``negative_slope``) or ``"prelu"`` (one learned slope per stage).
        negative_slope: the leaky ReLU slope.

    forward: (N, C, H, W) -> (N, C, H * scale, W * scale).
    State-dict keys: stage i's learned layer ``{2i}.weight`` / ``{2i}.bias`` (BasicSR's
    ``Upsample`` layout for pixel shuffle) and, with ``"prelu"``, ``{2i + 1}.weight``.
    """

    def __init__(self, channels: int, scale: int, mode: str = "pixel_shuffle", activation: str = "none",
                 negative_slope: float = 0.2) -> None:
        if mode not in MODES:
            raise ValueError(f"Upsampler: `mode` must be one of {MODES}, got {mode!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"Upsampler: `activation` must be one of {ACTIVATIONS}, got {activation!r}")
        super().__init__(_C.Upsampler, dict(channels=int(channels), scale=int(scale), mode=mode,
                                            activation=activation, negative_slope=float(negative_slope)))
