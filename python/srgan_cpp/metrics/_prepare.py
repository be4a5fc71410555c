"""Input handling shared by the metrics: layout, dtype, value range, Y channel, border crop."""
from __future__ import annotations

from typing import Optional, Tuple, Union

import numpy as np
import torch
from torch import Tensor

from .color import Y_COEFFS

ImageLike = Union[np.ndarray, Tensor]

_NP_RANGE = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}
_TORCH_RANGE = {torch.uint8: 255.0}


def _default_range(img: ImageLike, name: str) -> float:
    if isinstance(img, np.ndarray):
        if img.dtype in _NP_RANGE:
            return _NP_RANGE[img.dtype]
        if np.issubdtype(img.dtype, np.floating):
            return 1.0
        raise TypeError(f"{name}: images must be uint8, uint16 or float, got dtype {img.dtype}")
    if img.dtype in _TORCH_RANGE:
        return _TORCH_RANGE[img.dtype]
    if img.is_floating_point():
        return 1.0
    raise TypeError(f"{name}: images must be uint8 or float tensors, got dtype {img.dtype}")


def _as_nchw(img: ImageLike, arg: str, name: str) -> Tensor:
    """NumPy (H, W) / (H, W, C) or tensor (C, H, W) / (N, C, H, W) -> tensor (N, C, H, W)."""
    if isinstance(img, np.ndarray):
        if img.ndim == 2:
            img = img[:, :, None]
        if img.ndim != 3:
            raise ValueError(f"{name}: `{arg}` as a NumPy array must be (H, W) or (H, W, C), got shape {img.shape}")
        arr = np.ascontiguousarray(img) if img.flags.writeable else np.array(img)
        return torch.from_numpy(arr).permute(2, 0, 1).unsqueeze(0)
    if isinstance(img, Tensor):
        if img.dim() == 3:
            return img.unsqueeze(0)
        if img.dim() != 4:
            raise ValueError(f"{name}: `{arg}` as a tensor must be (C, H, W) or (N, C, H, W), got shape {tuple(img.shape)}")
        return img
    raise TypeError(f"{name}: `{arg}` must be a NumPy array or a torch.Tensor, got {type(img).__name__}")


def prepare_views(img1: ImageLike, img2: ImageLike, crop_border: int, channel: str, data_range: Optional[float],
                  name: str) -> Tuple[Tensor, Tensor, float]:
    """Validates a pair and returns ``(a, b, data_range)``: both images as ``(N, C, H', W')``
    tensors in their own dtype (views of the inputs where possible: no conversion, the border
    already cropped) and the value range ``L`` of the images."""
    if type(img1) is not type(img2) and not (isinstance(img1, Tensor) and isinstance(img2, Tensor)):
        raise TypeError(f"{name}: `img1` and `img2` must both be NumPy arrays or both tensors, "
                        f"got {type(img1).__name__} and {type(img2).__name__}")
    if img1.shape != img2.shape:
        raise ValueError(f"{name}: `img1` and `img2` must have the same shape, got {tuple(img1.shape)} and {tuple(img2.shape)}")
    if img1.dtype != img2.dtype:
        raise TypeError(f"{name}: `img1` and `img2` must have the same dtype, got {img1.dtype} and {img2.dtype}")
    if channel not in ("rgb", "y"):
        raise ValueError(f"{name}: `channel` must be 'rgb' or 'y', got {channel!r}")
    if int(crop_border) != crop_border or crop_border < 0:
        raise ValueError(f"{name}: `crop_border` must be a non-negative integer, got {crop_border!r}")
    crop_border = int(crop_border)
    rng = _default_range(img1, name) if data_range is None else float(data_range)
    if not rng > 0:
        raise ValueError(f"{name}: `data_range` must be positive, got {data_range!r}")
    a = _as_nchw(img1, "img1", name)
    b = _as_nchw(img2, "img2", name)
    if isinstance(img1, Tensor) and a.device != b.device:
        raise ValueError(f"{name}: `img1` and `img2` must be on the same device, got {a.device} and {b.device}")
    h, w = a.shape[-2:]
    if 2 * crop_border >= min(h, w):
        raise ValueError(f"{name}: `crop_border`={crop_border} leaves nothing of a {h}x{w} image")
    if crop_border:
        a = a[..., crop_border:-crop_border, crop_border:-crop_border]
        b = b[..., crop_border:-crop_border, crop_border:-crop_border]
    if channel == "y" and a.shape[1] not in (1, 3):
        raise ValueError(f"{name}: `channel='y'` needs RGB (3 channels) or 1-channel images, got {a.shape[1]} channels")
    return a, b, rng


def prepare_pair(img1: ImageLike, img2: ImageLike, crop_border: int, channel: str, data_range: Optional[float],
                 round_y: bool, name: str) -> Tuple[Tensor, Tensor]:
    """Both images as float64 ``(N, C', H', W')`` tensors on the [0, 255] scale.

    ``channel='y'`` converts 3-channel RGB to BT.601 Y (1-channel images are used as they
    are, as in BasicSR); ``crop_border`` pixels are removed from every side.
    """
    a, b, rng = prepare_views(img1, img2, crop_border, channel, data_range, name)
    outs = []
    for t in (a, b):
        t = t.to(torch.float64) * (255.0 / rng)
        if channel == "y" and t.shape[1] == 3:
            if round_y:
                # MATLAB's rgb2ycbcr on uint8: Y rounded half away from zero. With the
                # coefficients scaled by 1000 the sum is an exact integer for 8-bit inputs.
                coef = torch.tensor([1000.0 * c for c in Y_COEFFS], dtype=torch.float64, device=t.device)
                n = (t * coef.view(1, 3, 1, 1)).sum(1, keepdim=True) + (16.0 * 255000.0 + 127500.0)
                t = torch.floor(n / 255000.0).clamp_(0, 255)
            else:
                coef = torch.tensor(Y_COEFFS, dtype=torch.float64, device=t.device).view(1, 3, 1, 1)
                t = 16.0 + (t * coef).sum(1, keepdim=True) / 255.0
        outs.append(t)
    return outs[0], outs[1]


def finish(values: Tensor, like: ImageLike) -> Union[float, Tensor]:
    """(N,) per-image values -> float for NumPy input, 0-d tensor for (C, H, W), (N,) for (N, C, H, W)."""
    if isinstance(like, np.ndarray):
        return float(values[0])
    return values[0] if like.dim() == 3 else values
