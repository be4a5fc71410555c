"""Real-ESRGAN's unsharp masking (USM) of the ground truth, on batches of tensors.

``sharp = img + weight * (img - blur(img))``, applied where ``|img - blur(img)| * 255 >
threshold`` with a blurred (soft) mask: ``out = mask * clip(sharp) + (1 - mask) * img``.
The blur is a Gaussian of ``2 * radius + 1`` taps whose sigma is OpenCV's default for that
size (``0.3 * ((k - 1) / 2 - 1) + 0.8``), with reflect padding, as BasicSR's ``USMSharp``.
"""
from __future__ import annotations


import torch
import torch.nn.functional as F
from torch import Tensor


def _blur(x: Tensor, radius: int) -> Tensor:
    k = 2 * radius + 1
    sigma = 0.3 * ((k - 1) * 0.5 - 1) + 0.8
    t = torch.arange(k, dtype=torch.float64) - radius
    g = torch.exp(-(t * t) / (2 * sigma * sigma))
    g = (g / g.sum()).to(device=x.device, dtype=x.dtype)
    n, c, h, w = x.shape
    y = F.pad(x.reshape(n * c, 1, h, w), (radius, radius, radius, radius), mode="reflect")
    y = F.conv2d(F.conv2d(y, g.view(1, 1, k, 1)), g.view(1, 1, 1, k))
    return y.reshape(n, c, h, w)


@torch.no_grad()
def usm_sharpen(img: Tensor, weight: float = 0.5, radius: int = 50, threshold: float = 10.0) -> Tensor:
    """(N, C, H, W) float in [0, 1], H and W > ``radius`` -> sharpened, same shape and dtype."""
    if img.dim() != 4:
        raise ValueError(f"usm_sharpen: expected (N, C, H, W), got shape {tuple(img.shape)}")
    if min(img.shape[-2:]) <= radius:
        raise ValueError(f"usm_sharpen: images must be larger than `radius`={radius}, got {tuple(img.shape[-2:])}")
    x = img.float().contiguous()
    residual = x - _blur(x, radius)
    mask = (residual.abs() * 255 > threshold).float()
    soft = _blur(mask, radius)
    sharp = (x + weight * residual).clamp(0, 1)
    out = soft * sharp + (1 - soft) * x
    return out.to(img.dtype).contiguous(memory_format=torch.channels_last if img.is_contiguous(
        memory_format=torch.channels_last) and not img.is_contiguous() else torch.contiguous_format)


