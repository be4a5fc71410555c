"""Degradations that make low-resolution training and test images from high-resolution ones.

* ``bicubic``: MATLAB ``imresize(hr, 1/scale)`` (the "BI" degradation of the benchmarks);
* ``blur``: Gaussian blur (MATLAB ``fspecial('gaussian', k, sigma)`` with ``imfilter``'s
  replicate border), then downsampling, either by keeping every ``scale``-th pixel as
  MATLAB ``imresize(..., 'nearest')`` does (the "BD" degradation of RDN, and SRGAN-style
  MRI pipelines) or by bicubic ``imresize``;
* optional additive Gaussian noise and JPEG compression.

Everything random takes a ``numpy.random.Generator`` (or an int seed), so a degradation is
reproducible. Images are NumPy arrays ``(H, W)`` / ``(H, W, C)`` or tensors ``(C, H, W)`` /
``(N, C, H, W)``; integer images (uint8, uint16) are rounded half away from zero and
saturated like MATLAB, float images are taken to lie in [0, 1].
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, TypeVar, Union

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

from .resize import imresize, round_half_away

__all__ = ["gaussian_kernel", "gaussian_blur", "bicubic_downsample", "nearest_downsample", "blur_downsample",
           "add_gaussian_noise", "jpeg_compress", "Degradation"]

ArrayOrTensor = TypeVar("ArrayOrTensor", np.ndarray, Tensor)
RangeArg = Union[float, Tuple[float, float], Sequence[float]]
RngArg = Union[np.random.Generator, int, None]

_NP_MAX = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}


def _rng(rng: RngArg) -> np.random.Generator:
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def _value_max(img: Union[np.ndarray, Tensor], name: str) -> Optional[float]:
    """255 / 65535 for integer images (which are rounded), None for float images."""
    if isinstance(img, np.ndarray):
        if img.dtype in _NP_MAX:
            return _NP_MAX[img.dtype]
        if np.issubdtype(img.dtype, np.floating):
            return None
        raise TypeError(f"{name}: `img` dtype must be uint8, uint16 or float, got {img.dtype}")
    if isinstance(img, Tensor):
        if img.dtype == torch.uint8:
            return 255.0
        if img.is_floating_point():
            return None
        raise TypeError(f"{name}: `img` tensor dtype must be uint8 or float, got {img.dtype}")
    raise TypeError(f"{name}: `img` must be a NumPy array or a torch.Tensor, got {type(img).__name__}")


def _to_nchw(img: Union[np.ndarray, Tensor], name: str) -> Tuple[Tensor, str]:
    """-> float64/float tensor (N, C, H, W) and a layout tag to undo it."""
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            return torch.from_numpy(img.astype(np.float64))[None, None], "hw"
        if img.ndim == 3:
            return torch.from_numpy(img.astype(np.float64)).permute(2, 0, 1)[None], "hwc"
        raise ValueError(f"{name}: `img` as a NumPy array must be (H, W) or (H, W, C), got shape {img.shape}")
    if img.dim() == 3:
        t, tag = img[None], "chw"
    elif img.dim() == 4:
        t, tag = img, "nchw"
    else:
        raise ValueError(f"{name}: `img` as a tensor must be (C, H, W) or (N, C, H, W), got shape {tuple(img.shape)}")
    work = torch.float64 if t.dtype == torch.uint8 else (t.dtype if t.dtype in (torch.float32, torch.float64) else torch.float32)
    return t.to(work), tag


def _from_nchw(t: Tensor, tag: str, like: ArrayOrTensor, vmax: Optional[float]) -> ArrayOrTensor:
    if vmax is not None:
        t = round_half_away(t.clamp(0, vmax))
    if tag == "hw":
        return t[0, 0].numpy().astype(like.dtype)  # type: ignore[return-value]
    if tag == "hwc":
        return np.ascontiguousarray(t[0].permute(1, 2, 0).numpy()).astype(like.dtype)  # type: ignore[return-value]
    out = t[0] if tag == "chw" else t
    return out.to(like.dtype)  # type: ignore[return-value]


#: Largest Gaussian window: a radius of 1024 pixels (sigma up to 341 with the default
#: size). Checked before anything is allocated, so a huge `kernel_size` or `sigma` is a
#: ValueError naming it, not an allocation that runs until the process is killed.
MAX_KERNEL_SIZE = 2049


def _kernel_size(kernel_size: Optional[int], sigma: float, name: str) -> int:
    """The validated window size: ``kernel_size``, or ``2 * ceil(3 sigma) + 1`` when None."""
    if not (sigma > 0 and math.isfinite(sigma)):
        raise ValueError(f"{name}: `sigma` must be positive and finite, got {sigma!r}")
    if kernel_size is None:
        k = 2 * int(math.ceil(3.0 * sigma)) + 1
        if k > MAX_KERNEL_SIZE:
            raise ValueError(f"{name}: `sigma` {sigma!r} gives a default kernel_size of {k}, above the limit of "
                             f"{MAX_KERNEL_SIZE}; pass a smaller `sigma` or an explicit `kernel_size`")
        return k
    odd_int = (not isinstance(kernel_size, bool) and isinstance(kernel_size, (int, np.integer, float))
               and math.isfinite(kernel_size) and int(kernel_size) == kernel_size and kernel_size >= 1
               and int(kernel_size) % 2 == 1)
    if not odd_int:
        raise ValueError(f"{name}: `kernel_size` must be a positive odd integer, got {kernel_size!r}")
    if kernel_size > MAX_KERNEL_SIZE:
        raise ValueError(f"{name}: `kernel_size` must be at most {MAX_KERNEL_SIZE}, got {kernel_size!r}")
    return int(kernel_size)


def gaussian_kernel(kernel_size: int, sigma: float) -> np.ndarray:
    """MATLAB ``fspecial('gaussian', kernel_size, sigma)``: ``(k, k)`` float64, sums to 1.

    ``kernel_size``: odd, 1 to MAX_KERNEL_SIZE; ``sigma``: positive and finite."""
    k = _kernel_size(kernel_size, sigma, "gaussian_kernel")
    x = np.arange(k, dtype=np.float64) - (k - 1) / 2.0
    g = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2.0 * sigma * sigma))
    return g / g.sum()


def gaussian_blur(img: ArrayOrTensor, sigma: float, kernel_size: Optional[int] = None,
                  border: str = "replicate") -> ArrayOrTensor:
    """Gaussian blur, MATLAB ``imfilter(img, fspecial('gaussian', k, sigma), border)``.

    Args:
        img: NumPy ``(H, W)`` / ``(H, W, C)`` or tensor ``(C, H, W)`` / ``(N, C, H, W)``;
            uint8/uint16 (result rounded) or float.
        sigma: standard deviation in pixels (> 0).
        kernel_size: odd window size, at most MAX_KERNEL_SIZE; default ``2 * ceil(3 sigma) + 1``.
        border: ``'replicate'`` (MATLAB ``imfilter(..., 'replicate')``) or ``'reflect'``
            (mirror without repeating the edge pixel).

    Returns:
        The blurred image, same type, shape and dtype.
    """
    if border not in ("replicate", "reflect"):
        raise ValueError(f"gaussian_blur: `border` must be 'replicate' or 'reflect', got {border!r}")
    vmax = _value_max(img, "gaussian_blur")
    k = _kernel_size(kernel_size, sigma, "gaussian_blur")
    x1 = np.arange(k, dtype=np.float64) - (k - 1) / 2.0
    g = np.exp(-(x1 * x1) / (2.0 * sigma * sigma))
    g = g / g.sum()  # fspecial's 2-D kernel is outer(g, g): filter separably
    t, tag = _to_nchw(img, "gaussian_blur")
    n, c, h, w = t.shape
    r = k // 2
    if border == "reflect" and r >= min(h, w):
        raise ValueError(f"gaussian_blur: a {k}x{k} kernel with `border`='reflect' needs images larger than {r} pixels, got {h}x{w}")
    gt = torch.tensor(g, dtype=t.dtype, device=t.device)
    x = F.pad(t.reshape(n * c, 1, h, w), (r, r, r, r), mode=border)
    x = F.conv2d(x, gt.view(1, 1, k, 1))
    x = F.conv2d(x, gt.view(1, 1, 1, k)).reshape(n, c, h, w)
    return _from_nchw(x, tag, img, vmax)


def _check_int_scale(scale: float, name: str) -> int:
    if int(scale) != scale or scale < 1:
        raise ValueError(f"{name}: `scale` must be a positive integer, got {scale!r}")
    return int(scale)


def bicubic_downsample(img: ArrayOrTensor, scale: float) -> ArrayOrTensor:
    """MATLAB ``imresize(img, 1/scale)`` (bicubic, antialiased); output ``ceil(H/scale) x ceil(W/scale)``."""
    if not (scale > 0 and math.isfinite(scale)):
        raise ValueError(f"bicubic_downsample: `scale` must be positive, got {scale!r}")
    return imresize(img, 1.0 / scale)


def nearest_downsample(img: ArrayOrTensor, scale: int) -> ArrayOrTensor:
    """MATLAB ``imresize(img, 1/scale, 'nearest')`` for an integer ``scale``.

    Keeps the pixels at ``floor(scale/2) + scale*i`` (0-based) in both dimensions; output
    ``ceil(H/scale) x ceil(W/scale)`` (the last row/column is clamped onto the image).
    """
    s = _check_int_scale(scale, "nearest_downsample")
    _value_max(img, "nearest_downsample")
    if isinstance(img, np.ndarray):
        if img.ndim not in (2, 3):
            raise ValueError(f"nearest_downsample: `img` as a NumPy array must be (H, W) or (H, W, C), got shape {img.shape}")
        h, w = img.shape[:2]
        rows = np.minimum(s // 2 + s * np.arange(math.ceil(h / s)), h - 1)
        cols = np.minimum(s // 2 + s * np.arange(math.ceil(w / s)), w - 1)
        return np.ascontiguousarray(img[rows][:, cols])  # type: ignore[return-value]
    if img.dim() not in (3, 4):
        raise ValueError(f"nearest_downsample: `img` as a tensor must be (C, H, W) or (N, C, H, W), got shape {tuple(img.shape)}")
    h, w = img.shape[-2:]
    rows = torch.clamp(s // 2 + s * torch.arange(math.ceil(h / s), device=img.device), max=h - 1)
    cols = torch.clamp(s // 2 + s * torch.arange(math.ceil(w / s), device=img.device), max=w - 1)
    return img.index_select(-2, rows).index_select(-1, cols)  # type: ignore[return-value]


def blur_downsample(img: ArrayOrTensor, scale: float, sigma: float, kernel_size: Optional[int] = None,
                    downsample: str = "nearest", border: str = "replicate") -> ArrayOrTensor:
    """Gaussian blur (see :func:`gaussian_blur`) then downsampling by ``scale``.

    ``downsample='nearest'`` keeps every ``scale``-th pixel (integer scales, MATLAB
    ``imresize(.., 'nearest')``); ``'bicubic'`` uses MATLAB bicubic :func:`imresize`.
    Integer images are rounded after the blur, as MATLAB's ``imfilter`` does.
    """
    if downsample not in ("nearest", "bicubic"):
        raise ValueError(f"blur_downsample: `downsample` must be 'nearest' or 'bicubic', got {downsample!r}")
    if downsample == "nearest":
        _check_int_scale(scale, "blur_downsample")
    blurred = gaussian_blur(img, sigma, kernel_size, border)
    return nearest_downsample(blurred, int(scale)) if downsample == "nearest" else bicubic_downsample(blurred, scale)


def add_gaussian_noise(img: ArrayOrTensor, sigma: float, rng: RngArg = None) -> ArrayOrTensor:
    """Adds white Gaussian noise of standard deviation ``sigma`` given on the [0, 255] scale.

    The noise is drawn from ``rng`` (a ``numpy.random.Generator`` or an int seed) so that the
    result does not depend on the device. uint8/uint16 images are rounded and saturated;
    float images (in [0, 1]) are clipped to [0, 1]. Same type, shape and dtype as ``img``.
    """
    if not (sigma >= 0 and math.isfinite(sigma)):
        raise ValueError(f"add_gaussian_noise: `sigma` must be >= 0, got {sigma!r}")
    vmax = _value_max(img, "add_gaussian_noise")
    top = 1.0 if vmax is None else vmax
    noise = _rng(rng).standard_normal(tuple(img.shape)) * (sigma * top / 255.0)
    if isinstance(img, np.ndarray):
        out = img.astype(np.float64) + noise
        out = np.clip(out, 0.0, top)
        if vmax is not None:
            out = np.floor(out + 0.5)
        return out.astype(img.dtype)  # type: ignore[return-value]
    t = img.to(torch.float64) + torch.from_numpy(noise).to(img.device)
    t = t.clamp(0.0, top)
    if vmax is not None:
        t = torch.floor(t + 0.5)
    return t.to(img.dtype)  # type: ignore[return-value]


def _jpeg_hwc_uint8(arr: np.ndarray, quality: int) -> np.ndarray:
    pil = Image.fromarray(arr[:, :, 0] if arr.shape[2] == 1 else arr)
    buf = io.BytesIO()
    pil.save(buf, format="JPEG", quality=int(quality))
    buf.seek(0)
    with Image.open(buf) as im:
        out = np.asarray(im.convert("L" if arr.shape[2] == 1 else "RGB"))
    return np.array(out[:, :, None] if out.ndim == 2 else out)  # writable copy


def jpeg_compress(img: ArrayOrTensor, quality: int) -> ArrayOrTensor:
    """JPEG-compresses and decodes an image with Pillow (libjpeg), ``quality`` in [1, 95].

    Args:
        img: 1- or 3-channel image; NumPy ``(H, W)`` / ``(H, W, C)`` uint8 or float in
            [0, 1], or tensor ``(C, H, W)`` / ``(N, C, H, W)`` uint8 or float in [0, 1]
            (processed on the CPU). Float images are quantised to 8 bits first.

    Returns:
        The decoded image, same type, shape, dtype and device as ``img``.
    """
    if int(quality) != quality or not 1 <= quality <= 95:
        raise ValueError(f"jpeg_compress: `quality` must be an integer in [1, 95], got {quality!r}")
    vmax = _value_max(img, "jpeg_compress")
    if vmax == 65535.0:
        raise TypeError("jpeg_compress: JPEG is 8-bit; `img` must be uint8 or float, got uint16")
    t, tag = _to_nchw(img, "jpeg_compress")
    n, c = t.shape[:2]
    if c not in (1, 3):
        raise ValueError(f"jpeg_compress: `img` must have 1 or 3 channels, got {c}")
    q = round_half_away((t if vmax is not None else t * 255.0).clamp(0, 255)).to(torch.uint8).cpu()
    outs = [torch.from_numpy(_jpeg_hwc_uint8(q[i].permute(1, 2, 0).numpy(), int(quality))).permute(2, 0, 1)
            for i in range(n)]
    res = torch.stack(outs).to(device=t.device, dtype=t.dtype)
    if vmax is None:
        res = res / 255.0
    return _from_nchw(res, tag, img, vmax)


def _sample(value: Optional[RangeArg], rng: np.random.Generator, name: str) -> Optional[float]:
    """A fixed value, or uniform in [lo, hi] for a pair."""
    if value is None:
        return None
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    lo, hi = (float(v) for v in value)
    if lo > hi:
        raise ValueError(f"Degradation: `{name}` range must be (low, high) with low <= high, got {value!r}")
    return float(rng.uniform(lo, hi))


@dataclass
class Degradation:
    """A reproducible HR -> LR degradation: (blur +) downsampling, then noise, then JPEG.

    Args:
        scale: downscaling factor (2, 3, 4, ...; non-integer allowed for bicubic).
        kind: ``'bicubic'`` (MATLAB imresize) or ``'blur'`` (Gaussian blur then downsampling).
        sigma: blur standard deviation, or a ``(low, high)`` range sampled per image (``kind='blur'``).
        kernel_size: odd blur window; default ``2 * ceil(3 sigma) + 1``.
        downsample: after the blur, ``'nearest'`` (keep every ``scale``-th pixel) or ``'bicubic'``.
        noise_sigma: Gaussian noise level on the [0, 255] scale, a ``(low, high)`` range, or None.
        jpeg_quality: JPEG quality, an integer ``(low, high)`` range, or None.

    Call with an HR image (NumPy ``(H, W[, C])`` or tensor ``(C, H, W)`` / ``(N, C, H, W)``,
    uint8/uint16 or float in [0, 1]) and a ``numpy.random.Generator`` or int seed; returns
    the LR image, ``ceil(H/scale) x ceil(W/scale)``, same type and dtype.
    """

    scale: float
    kind: str = "bicubic"
    sigma: RangeArg = 1.6
    kernel_size: Optional[int] = None
    downsample: str = "nearest"
    noise_sigma: Optional[RangeArg] = None
    jpeg_quality: Optional[Union[int, Tuple[int, int]]] = None

    def __post_init__(self) -> None:
        if not (self.scale > 0 and math.isfinite(self.scale)):
            raise ValueError(f"Degradation: `scale` must be positive, got {self.scale!r}")
        if self.kind not in ("bicubic", "blur"):
            raise ValueError(f"Degradation: `kind` must be 'bicubic' or 'blur', got {self.kind!r}")
        if self.kind == "blur":
            if self.downsample not in ("nearest", "bicubic"):
                raise ValueError(f"Degradation: `downsample` must be 'nearest' or 'bicubic', got {self.downsample!r}")
            if self.downsample == "nearest":
                _check_int_scale(self.scale, "Degradation")
            for s in ((self.sigma,) if isinstance(self.sigma, (int, float)) else tuple(self.sigma)):
                if not s > 0:
                    raise ValueError(f"Degradation: `sigma` must be positive, got {self.sigma!r}")
        if self.jpeg_quality is not None:
            qs = (self.jpeg_quality,) if isinstance(self.jpeg_quality, int) else tuple(self.jpeg_quality)
            if not all(int(q) == q and 1 <= q <= 95 for q in qs):
                raise ValueError(f"Degradation: `jpeg_quality` must be integers in [1, 95], got {self.jpeg_quality!r}")

    def __call__(self, hr: ArrayOrTensor, rng: RngArg = None) -> ArrayOrTensor:
        g = _rng(rng)
        if self.kind == "bicubic":
            lr = bicubic_downsample(hr, self.scale)
        else:
            sigma = _sample(self.sigma, g, "sigma")
            assert sigma is not None
            lr = blur_downsample(hr, self.scale, sigma, self.kernel_size, self.downsample)
        noise = _sample(self.noise_sigma, g, "noise_sigma")
        if noise is not None and noise > 0:
            lr = add_gaussian_noise(lr, noise, g)
        if self.jpeg_quality is not None:
            q = self.jpeg_quality
            quality = int(q) if isinstance(q, int) else int(g.integers(int(q[0]), int(q[1]) + 1))
            lr = jpeg_compress(lr, quality)
        return lr
