"""SSIM as computed by the SR literature, and a differentiable SSIM loss.

The definition is Wang et al.'s (IEEE TIP 2004) with the reference settings used by SR
papers (MATLAB ``ssim_index``, BasicSR ``_ssim``): an 11x11 Gaussian window with sigma 1.5,
statistics over the 'valid' region only (no padding), ``C1 = (0.01 L)^2``,
``C2 = (0.03 L)^2``, the SSIM map averaged over the valid region, then over channels.
The window is separable, so it is applied as two 1-D convolutions (exactly equivalent).
:func:`ssim` on NumPy arrays and CPU tensors runs a fused C++ kernel (``csrc/metrics/ssim``)
computing the same definition; CUDA tensors and anything needing a gradient use PyTorch.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .. import _C
from ._prepare import ImageLike, finish, prepare_pair, prepare_views

__all__ = ["SSIMLoss", "gaussian_window", "ssim", "ssim_map"]


def gaussian_window(size: int = 11, sigma: float = 1.5, dtype: torch.dtype = torch.float64,
                    device: Optional[torch.device] = None) -> Tensor:
    """1-D Gaussian ``exp(-(i - c)^2 / (2 sigma^2))`` normalised to sum 1, shape ``(size,)``.

    The outer product with itself is MATLAB's ``fspecial('gaussian', size, sigma)`` and
    OpenCV's ``getGaussianKernel(size, sigma)`` outer product.
    """
    if size < 1 or size % 2 == 0:
        raise ValueError(f"gaussian_window: `size` must be a positive odd integer, got {size}")
    if not sigma > 0:
        raise ValueError(f"gaussian_window: `sigma` must be positive, got {sigma}")
    x = torch.arange(size, dtype=torch.float64, device=device) - (size - 1) / 2.0
    g = torch.exp(-(x * x) / (2.0 * sigma * sigma))
    return (g / g.sum()).to(dtype)


def _filter_rows_valid(x: Tensor, g: Tensor) -> Tensor:
    """'valid' 1-D filtering along the last (contiguous) dim: ``x.unfold(-1, k, 1) @ g``
    (ATen reduces the strided view directly, without materialising the k-fold copy)."""
    return x.unfold(-1, g.numel(), 1) @ g


def _filter_valid(x: Tensor, g: Tensor) -> Tensor:
    """Separable 'valid' filtering of ``(N, C, H, W)`` by ``outer(g, g)``, per channel.

    On CUDA, and for float32/16 on CPU, two depthwise ``conv2d``; for float64 on CPU (the
    metrics' path), where ATen's depthwise convolution has no fast kernel, ``unfold``
    followed by a matrix-vector product along the contiguous dimension (same result up to
    rounding, several times faster)."""
    c = x.shape[1]
    k = g.numel()
    if x.device.type != "cpu" or x.dtype != torch.float64:
        x = F.conv2d(x, g.view(1, 1, k, 1).expand(c, 1, k, 1), groups=c)
        return F.conv2d(x, g.view(1, 1, 1, k).expand(c, 1, 1, k), groups=c)
    y = _filter_rows_valid(x, g)  # along W: (N, C, H, W - k + 1)
    y = _filter_rows_valid(y.transpose(-1, -2).contiguous(), g)  # along H: (N, C, W - k + 1, H - k + 1)
    return y.transpose(-1, -2)


def ssim_map(x: Tensor, y: Tensor, data_range: float = 1.0, window_size: int = 11, sigma: float = 1.5) -> Tensor:
    """The SSIM map of float tensors ``(N, C, H, W)`` -> ``(N, C, H - 10, W - 10)`` ('valid').

    Differentiable, computed in the inputs' dtype. ``data_range`` is ``L`` in the constants.
    """
    if x.dim() != 4 or x.shape != y.shape:
        raise ValueError(f"ssim_map: `x` and `y` must be (N, C, H, W) tensors of one shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    if min(x.shape[-2:]) < window_size:
        raise ValueError(f"ssim_map: images must be at least {window_size}x{window_size} (after any border crop), got {tuple(x.shape[-2:])}")
    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2
    g = gaussian_window(window_size, sigma, dtype=x.dtype, device=x.device)
    mu1 = _filter_valid(x, g)
    mu2 = _filter_valid(y, g)
    mu1_sq, mu2_sq, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    s1 = _filter_valid(x * x, g) - mu1_sq
    s2 = _filter_valid(y * y, g) - mu2_sq
    s12 = _filter_valid(x * y, g) - mu12
    return ((2 * mu12 + c1) * (2 * s12 + c2)) / ((mu1_sq + mu2_sq + c1) * (s1 + s2 + c2))


@lru_cache(maxsize=4)
def _cpu_window(size: int, sigma: float) -> Tensor:
    return gaussian_window(size, sigma, dtype=torch.float64)


def _ssim_cpp(a: Tensor, b: Tensor, data_range: float = 255.0) -> Tensor:
    """Mean SSIM per image of CPU ``(N, C, H, W)`` float tensors by the fused C++ kernel
    (``csrc/metrics/ssim``): the definition of :func:`ssim_map`, float64 sums, no gradient."""
    c1 = (0.01 * data_range) ** 2
    c2 = (0.03 * data_range) ** 2
    return _C.ssim_per_image(a.detach(), b.detach(), _cpu_window(11, 1.5), c1, c2)


_CPP_DTYPES = (torch.uint8, torch.float32, torch.float64)


def _ssim_cpp_images(img1: ImageLike, img2: ImageLike, crop_border: int, channel: str, data_range: Optional[float],
                     round_y: bool) -> Tensor:
    """The C++ path of :func:`ssim` from the images themselves: the kernel reads the cropped
    views (uint8 / float, HWC NumPy strides included) and does the scaling to [0, 255] and
    the Y conversion while loading rows, so nothing image-sized is materialised."""
    a, b, rng = prepare_views(img1, img2, crop_border, channel, data_range, "ssim")
    if min(a.shape[-2:]) < 11:
        raise ValueError(f"ssim: images must be at least 11x11 (after any border crop), got {tuple(a.shape[-2:])}")
    color = 0
    if channel == "y" and a.shape[1] == 3:
        color = 2 if round_y else 1
    if a.dtype not in _CPP_DTYPES:  # e.g. uint16: the kernel reads float64
        a, b = a.to(torch.float64), b.to(torch.float64)
    c1, c2 = (0.01 * 255.0) ** 2, (0.03 * 255.0) ** 2
    return _C.ssim_per_image(a.detach(), b.detach(), _cpu_window(11, 1.5), c1, c2, 255.0 / rng, color)


def ssim(img1: ImageLike, img2: ImageLike, crop_border: int = 0, channel: str = "rgb",
         data_range: Optional[float] = None, round_y: bool = False, *, backend: str = "auto") -> Union[float, Tensor]:
    """Structural similarity as reported by SR papers (BasicSR ``calculate_ssim``).

    Args:
        img1, img2: same shape and dtype; NumPy ``(H, W)`` / ``(H, W, C)`` (RGB order) or
            tensors ``(C, H, W)`` / ``(N, C, H, W)``; at least 11x11 after the crop.
        crop_border, channel, data_range, round_y: as in :func:`srgan_cpp.metrics.psnr`.
        backend: ``'auto'`` (default): the fused C++ kernel for NumPy arrays and CPU tensors
            that need no gradient, the PyTorch path (:func:`ssim_map`) otherwise (CUDA,
            autograd); ``'cpp'`` / ``'torch'`` force one (``'cpp'`` needs CPU data and
            gives no gradient). The two agree to about 1e-13.

    Computed in float64 on the [0, 255] scale (``C1 = 6.5025``, ``C2 = 58.5225``).
    Differentiable for float tensors on the PyTorch path (use :class:`SSIMLoss` for training).

    Returns:
        float in [-1, 1] for NumPy; a float64 tensor (0-d or ``(N,)``) for tensors.
    """
    if backend not in ("auto", "cpp", "torch"):
        raise ValueError(f"ssim: `backend` must be 'auto', 'cpp' or 'torch', got {backend!r}")
    on_cpu = all(not isinstance(t, Tensor) or t.device.type == "cpu" for t in (img1, img2))
    if backend == "cpp" and not on_cpu:
        raise ValueError(f"ssim: backend='cpp' needs CPU data, got tensors on {img1.device} and {img2.device}")
    needs_grad = torch.is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in (img1, img2))
    if backend == "cpp" or (backend == "auto" and on_cpu and not needs_grad):
        return finish(_ssim_cpp_images(img1, img2, crop_border, channel, data_range, round_y), img1)
    a, b = prepare_pair(img1, img2, crop_border, channel, data_range, round_y, "ssim")
    value = ssim_map(a, b, data_range=255.0).mean(dim=(1, 2, 3))
    return finish(value, img1)


class SSIMLoss(nn.Module):
    """``1 - SSIM`` as a training loss (differentiable, in the inputs' dtype).

    Args:
        data_range: value range of the inputs (1.0 for images in [0, 1]).
        channel: ``'rgb'`` (all channels) or ``'y'`` (BT.601 luma of RGB inputs, without rounding).
        window_size, sigma: the Gaussian window (11 and 1.5 as in the metric).
        reduction: ``'mean'`` (scalar) or ``'none'`` (one value per image, ``(N,)``).

    forward: ``sr``, ``hr`` float tensors ``(N, C, H, W)`` (H, W >= window_size) -> loss.
    """

    def __init__(self, data_range: float = 1.0, channel: str = "rgb", window_size: int = 11, sigma: float = 1.5,
                 reduction: str = "mean") -> None:
        super().__init__()
        if channel not in ("rgb", "y"):
            raise ValueError(f"SSIMLoss: `channel` must be 'rgb' or 'y', got {channel!r}")
        if reduction not in ("mean", "none"):
            raise ValueError(f"SSIMLoss: `reduction` must be 'mean' or 'none', got {reduction!r}")
        if not data_range > 0:
            raise ValueError(f"SSIMLoss: `data_range` must be positive, got {data_range!r}")
        self.data_range = float(data_range)
        self.channel = channel
        self.window_size = int(window_size)
        self.sigma = float(sigma)
        self.reduction = reduction

    def _y(self, x: Tensor) -> Tensor:
        if x.shape[1] != 3:
            raise ValueError(f"SSIMLoss: `channel='y'` needs RGB inputs (N, 3, H, W), got {tuple(x.shape)}")
        coef = torch.tensor((65.481, 128.553, 24.966), dtype=x.dtype, device=x.device).view(1, 3, 1, 1) / 255.0
        return 16.0 / 255.0 * self.data_range + (x * coef).sum(1, keepdim=True)

    def forward(self, sr: Tensor, hr: Tensor) -> Tensor:
        if sr.dim() != 4 or sr.shape != hr.shape:
            raise ValueError(f"SSIMLoss: `sr` and `hr` must be (N, C, H, W) tensors of one shape, got {tuple(sr.shape)} and {tuple(hr.shape)}")
        if not sr.is_floating_point() or not hr.is_floating_point():
            raise TypeError(f"SSIMLoss: inputs must be floating point, got {sr.dtype} and {hr.dtype}")
        if self.channel == "y":
            sr, hr = self._y(sr), self._y(hr)
        per_image = ssim_map(sr, hr, self.data_range, self.window_size, self.sigma).mean(dim=(1, 2, 3))
        loss = 1.0 - per_image
        return loss.mean() if self.reduction == "mean" else loss
