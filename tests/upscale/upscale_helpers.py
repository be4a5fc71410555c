"""Small models and images shared by the upscaler tests (all fast on a CPU)."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

import srgan_cpp


def tiny_srvgg(scale: int = 2, channels: int = 3, seed: int = 0) -> nn.Module:
    """SRVGGNetCompact with 8 features and 2 body convs (receptive-field radius 4 input px)."""
    torch.manual_seed(seed)
    return srgan_cpp.models.SRVGGNetCompact(num_in_ch=channels, num_out_ch=channels, num_feat=8, num_conv=2,
                                            upscale=scale).eval()


def random_image(h: int, w: int, c: int = 3, dtype=np.uint8, seed: int = 0) -> np.ndarray:
    """A smooth-ish random image (noise plus a gradient), so the model output is not flat."""
    rng = np.random.default_rng(seed)
    base = rng.random((h, w, c)) * 0.5 + np.linspace(0, 0.5, w)[None, :, None]
    if dtype == np.float32:
        return base.astype(np.float32)
    top = np.iinfo(dtype).max
    return np.round(base * top).astype(dtype)
