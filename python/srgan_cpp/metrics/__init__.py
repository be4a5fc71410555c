"""Image-quality metrics computed the way super-resolution papers report them.

``psnr`` and ``ssim`` accept NumPy images (HWC, RGB) and tensors (CHW / NCHW, batched),
RGB or BT.601 Y channel, with a border crop; ``SSIMLoss`` is a differentiable SSIM loss;
``rgb_to_ycbcr`` / ``ycbcr_to_rgb`` are MATLAB's colour conversions.
"""
from __future__ import annotations

from .color import rgb_to_y, rgb_to_ycbcr, ycbcr_to_rgb
from .psnr import psnr
from .ssim import SSIMLoss, gaussian_window, ssim, ssim_map

__all__ = ["SSIMLoss", "gaussian_window", "psnr", "rgb_to_y", "rgb_to_ycbcr", "ssim", "ssim_map", "ycbcr_to_rgb"]
