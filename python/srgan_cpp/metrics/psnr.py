"""PSNR as computed by the SR literature (BasicSR's ``calculate_psnr``, MATLAB's protocol)."""
from __future__ import annotations

from typing import Optional, Union

import torch
from torch import Tensor

from ._prepare import ImageLike, finish, prepare_pair

__all__ = ["psnr"]


def psnr(img1: ImageLike, img2: ImageLike, crop_border: int = 0, channel: str = "rgb",
         data_range: Optional[float] = None, round_y: bool = False) -> Union[float, Tensor]:
    """Peak signal-to-noise ratio in dB, ``10 log10(L^2 / MSE)``.

    Args:
        img1, img2: the two images, same shape and dtype. NumPy ``(H, W)`` or ``(H, W, C)``
            (RGB channel order), or tensors ``(C, H, W)`` / ``(N, C, H, W)`` (batched: one
            value per image).
        crop_border: pixels removed from each side before comparing (SR papers use the scale).
        channel: ``'rgb'`` (all channels) or ``'y'`` (BT.601 studio-range luma
            ``16 + 65.481 R + 128.553 G + 24.966 B`` of RGB in [0, 1], on the [0, 255]
            scale, peak 255; 1-channel images are used as they are).
        data_range: the images' value range ``L``: default 255 for uint8, 65535 for uint16
            and 1.0 for float images (pass 255 for float images in [0, 255]).
        round_y: round Y to integers, as MATLAB's ``rgb2ycbcr`` on uint8 images does (the
            original MATLAB evaluation scripts); BasicSR does not round (default).

    Returns:
        float for NumPy inputs; a float64 tensor for tensors (0-d for ``(C, H, W)``,
        ``(N,)`` for ``(N, C, H, W)``). ``inf`` for identical images.
    """
    a, b = prepare_pair(img1, img2, crop_border, channel, data_range, round_y, "psnr")
    mse = ((a - b) ** 2).mean(dim=(1, 2, 3))
    value = 10.0 * torch.log10(255.0 ** 2 / mse)  # mse == 0 -> inf
    return finish(value, img1)
