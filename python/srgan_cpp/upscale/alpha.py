"""Transparency: how the alpha channel is upscaled, and resizing RGBA without halos.

Colour is upscaled *premultiplied* by alpha (and divided by the upscaled alpha at the end),
so the colour of invisible pixels - often black or garbage in PNGs - cannot bleed into the
visible edge. A constant alpha (an opaque PNG that merely has the channel) is copied, and
the colour then goes through the model once, exactly as without alpha.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

__all__ = ["ALPHA_MODES", "constant_alpha", "unpremultiply", "resize_pixels"]

#: ``auto``: constant alpha copied, else like ``model``; ``model``: the alpha plane goes
#: through the model (as gray); ``bicubic``: MATLAB bicubic; ``discard``: dropped.
ALPHA_MODES = ("auto", "model", "bicubic", "discard")


def constant_alpha(pixels: np.ndarray) -> Optional[float]:
    """The alpha value if every pixel of ``(H, W, C)`` pixels (alpha last) has the same one."""
    a = pixels[..., -1]
    first = a.flat[0]
    return first if bool((a == first).all()) else None


def unpremultiply(block: torch.Tensor, max_value: float) -> torch.Tensor:
    """``(..., C + 1)`` float premultiplied colour + alpha -> straight colour + alpha, in [0, 1].

    Where the alpha rounds to 0 in the output dtype (``max_value`` 255, 65535, or 1 for
    float output) the colour is set to 0: it is invisible and dividing would amplify noise.
    """
    alpha = block[..., -1:].clamp(0.0, 1.0)
    visible = alpha * max_value >= 0.5 if max_value > 1 else alpha > 0
    colour = torch.where(visible, block[..., :-1] / alpha.clamp_min(1e-12), torch.zeros((), device=block.device))
    return torch.cat([colour.clamp_(0.0, 1.0), alpha], dim=-1)


_INT_MAX = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def resize_pixels(pixels: np.ndarray, out_hw: tuple, has_alpha: bool) -> np.ndarray:
    """MATLAB-exact bicubic resize of ``(H, W, C)`` pixels to ``out_hw``, in their own dtype.

    Without alpha this is :func:`srgan_cpp.data.imresize` (C++ kernel, integers rounded after
    each pass like MATLAB). With alpha, colour is resized premultiplied in float32 and divided
    by the resized alpha, then converted back.
    """
    from ..data import imresize

    if (pixels.shape[0], pixels.shape[1]) == tuple(out_hw):
        return pixels
    if not has_alpha:
        return imresize(np.ascontiguousarray(pixels), size=out_hw)
    top = _INT_MAX.get(pixels.dtype, 1.0)
    x = torch.from_numpy(pixels.astype(np.float32)).div_(top)
    x[..., :-1] *= x[..., -1:]
    y = imresize(x.permute(2, 0, 1), size=out_hw).permute(1, 2, 0)
    y = unpremultiply(y, top)
    if top == 1.0:
        return y.numpy().astype(pixels.dtype)
    return y.mul_(top).round_().numpy().astype(pixels.dtype)
