"""The C++ CPU path of :func:`srgan_cpp.data.imresize` (``srgan_cpp._C.imresize_bhwc``).

The C++ kernel sees every image as ``(B, H, W, C)`` with contiguous ``(W, C)`` rows, which
is a free view of the usual layouts: NCHW / CHW planes are ``(N*C, H, W, 1)``, HWC NumPy
images ``(1, H, W, C)`` and channels_last batches ``(N, H, W, C)``. The taps (MATLAB's
contributions) are the same cached float64 weights and int64 indices the PyTorch path uses,
so both paths compute the same definition; they differ only in summation order (the
PyTorch path multiplies by a dense matrix in which mirrored taps are pre-added).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Optional, Tuple

import numpy as np
import torch
from torch import Tensor

from .. import _C
from .resize_taps import resize_weights

__all__ = ["resize_bhwc", "resize_numpy", "resize_tensor_cpu"]


@lru_cache(maxsize=256)
def _taps(in_length: int, out_length: int, scale: float, antialias: bool, border: str) -> Tuple[Tensor, Tensor]:
    w, idx = resize_weights(in_length, out_length, scale, antialias, border)
    # np.array copies: torch.from_numpy wants writable memory and the cache is read-only.
    return torch.from_numpy(np.array(w, dtype=np.float64)), torch.from_numpy(np.array(idx, dtype=np.int64))


def resize_bhwc(x: Tensor, out_hw: Tuple[int, int], scales: Tuple[float, float], antialias: bool,
                int_max: Optional[int], border: str = "symmetric") -> Tensor:
    """Resizes a CPU tensor ``(B, H, W, C)`` (uint8, float32 or float64) to ``(B, *out_hw, C)``.

    Pass order and skipped identity passes follow MATLAB (and the PyTorch path): the
    dimension with the smaller scale first, H first on ties. ``int_max`` rounds and clamps
    after each pass (always 255 for uint8).
    """
    h, w = x.shape[1], x.shape[2]
    taps = [None, None]
    for d, in_len in enumerate((h, w)):
        if not (in_len == out_hw[d] and scales[d] == 1.0):
            taps[d] = _taps(int(in_len), int(out_hw[d]), float(scales[d]), bool(antialias), border)
    wh, ih = taps[0] if taps[0] is not None else (None, None)
    ww, iw = taps[1] if taps[1] is not None else (None, None)
    return _C.imresize_bhwc(x, wh, ih, ww, iw, scales[0] <= scales[1], float(int_max or 0))


def resize_numpy(img: np.ndarray, out_hw: Tuple[int, int], scales: Tuple[float, float], antialias: bool,
                 int_max: Optional[int], border: str = "symmetric") -> np.ndarray:
    """NumPy ``(H, W)`` / ``(H, W, C)`` image -> resized image of the same dtype.

    uint8 runs natively; uint16 and float32 are computed on a float64 copy (the NumPy
    contract of ``imresize``: float64 arithmetic), float64 without a copy when C-contiguous.
    """
    if img.dtype == np.uint8 or img.dtype == np.float64:
        arr = img if (img.flags.c_contiguous and img.flags.writeable) else np.ascontiguousarray(img).copy()
    else:
        arr = img.astype(np.float64)
    t = torch.from_numpy(arr)
    t = t.view(1, t.shape[0], t.shape[1], t.shape[2] if t.dim() == 3 else 1)
    y = resize_bhwc(t, out_hw, scales, antialias, int_max, border)[0]
    y = y if img.ndim == 3 else y[..., 0]
    return y.numpy().astype(img.dtype, copy=False)


def resize_tensor_cpu(x: Tensor, out_hw: Tuple[int, int], scales: Tuple[float, float], antialias: bool,
                      int_max: Optional[int], border: str = "symmetric") -> Tensor:
    """CPU tensor ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)`` of uint8/float32/float64.

    NCHW-contiguous input gives NCHW-contiguous output; channels_last (or HWC-strided CHW)
    input gives output in that memory format. Other strides are made contiguous first.
    """
    if x.dim() == 2:
        return resize_bhwc(x.reshape(1, x.shape[0], x.shape[1], 1), out_hw, scales, antialias, int_max, border)[0, :, :, 0]
    batched = x if x.dim() == 4 else x.unsqueeze(0)
    n, c, h, w = batched.shape
    pixels_last = batched.permute(0, 2, 3, 1)
    if c > 1 and not batched.is_contiguous() and pixels_last.is_contiguous():
        y = resize_bhwc(pixels_last, out_hw, scales, antialias, int_max, border).permute(0, 3, 1, 2)
    else:
        planes = batched.contiguous().view(n * c, h, w, 1)
        y = resize_bhwc(planes, out_hw, scales, antialias, int_max, border).view(n, c, out_hw[0], out_hw[1])
    return y if x.dim() == 4 else y[0]
