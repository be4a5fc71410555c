"""Colour conversions of the SR evaluation protocol (ITU-R BT.601, studio range).

MATLAB's ``rgb2ycbcr`` and BasicSR's ``rgb2ycbcr``/``bgr2ycbcr`` for RGB in [0, 1]::

    Y  =  16 +  65.481 R + 128.553 G +  24.966 B      (Y in [16, 235])
    Cb = 128 -  37.797 R -  74.203 G + 112.0   B      (Cb, Cr in [16, 240])
    Cr = 128 + 112.0   R -  93.786 G -  18.214 B

The functions here take RGB (not OpenCV's BGR) and work on NumPy arrays in HWC layout and
on tensors in CHW / NCHW layout, keeping the input's value convention: uint8 in, uint8 out
(rounded, as MATLAB does); float in [0, 1] in, float in [0, 1] out (``Y/255``, not rounded,
as BasicSR does).
"""
from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch
from torch import Tensor

__all__ = ["YCBCR_MATRIX", "YCBCR_OFFSET", "Y_COEFFS", "rgb_to_y", "rgb_to_ycbcr", "ycbcr_to_rgb"]

ArrayOrTensor = TypeVar("ArrayOrTensor", np.ndarray, Tensor)

#: Y = 16 + Y_COEFFS . (R, G, B) for RGB in [0, 1]; result on the [0, 255] scale.
Y_COEFFS = (65.481, 128.553, 24.966)
#: Rows Y, Cb, Cr: [0, 255]-scale YCbCr = YCBCR_MATRIX @ RGB[0, 1] + YCBCR_OFFSET.
YCBCR_MATRIX = ((65.481, 128.553, 24.966), (-37.797, -74.203, 112.0), (112.0, -93.786, -18.214))
YCBCR_OFFSET = (16.0, 128.0, 128.0)


def _channel_axis(img: ArrayOrTensor, name: str) -> int:
    if isinstance(img, np.ndarray):
        if img.ndim != 3 or img.shape[2] != 3:
            raise ValueError(f"{name}: `img` must be an RGB NumPy array (H, W, 3), got shape {img.shape}")
        return -1
    if isinstance(img, Tensor):
        if img.dim() not in (3, 4) or img.shape[-3] != 3:
            raise ValueError(f"{name}: `img` must be an RGB tensor (3, H, W) or (N, 3, H, W), got shape {tuple(img.shape)}")
        return -3
    raise TypeError(f"{name}: `img` must be a NumPy array or a torch.Tensor, got {type(img).__name__}")


def _to_unit_float(img: ArrayOrTensor, name: str) -> ArrayOrTensor:
    """uint8 -> float64 / 255; float -> float64 (assumed in [0, 1])."""
    if isinstance(img, np.ndarray):
        if img.dtype == np.uint8:
            return img.astype(np.float64) / 255.0
        if np.issubdtype(img.dtype, np.floating):
            return img.astype(np.float64)
        raise TypeError(f"{name}: `img` dtype must be uint8 or float in [0, 1], got {img.dtype}")
    if img.dtype == torch.uint8:
        return img.to(torch.float64) / 255.0
    if img.is_floating_point():
        return img.to(torch.float64)
    raise TypeError(f"{name}: `img` dtype must be uint8 or float in [0, 1], got {img.dtype}")


def _apply(img: ArrayOrTensor, matrix: np.ndarray, offset: np.ndarray, axis: int) -> ArrayOrTensor:
    """[0, 255]-scale result of ``matrix @ pixel + offset`` along the channel axis."""
    if isinstance(img, np.ndarray):
        return img @ matrix.T + offset
    m = torch.tensor(matrix, dtype=img.dtype, device=img.device)
    o = torch.tensor(offset, dtype=img.dtype, device=img.device)
    out = torch.movedim(img, axis, -1) @ m.T + o
    return torch.movedim(out, -1, axis)


def _from_255(out: ArrayOrTensor, like: ArrayOrTensor) -> ArrayOrTensor:
    """Back to the input's convention: uint8 (rounded half away, saturated) or float / 255."""
    if isinstance(out, np.ndarray):
        if like.dtype == np.uint8:
            return np.clip(np.floor(out + 0.5), 0, 255).astype(np.uint8)
        return (out / 255.0).astype(like.dtype if np.issubdtype(like.dtype, np.floating) else np.float64)
    if like.dtype == torch.uint8:
        return torch.floor(out + 0.5).clamp_(0, 255).to(torch.uint8)
    return (out / 255.0).to(like.dtype)


def _rgb_to_ycbcr_uint8(img: ArrayOrTensor, rows: slice, axis: int) -> ArrayOrTensor:
    """Exact integer arithmetic: ``round((1000 M) @ rgb + 255000 offset) / 255000)``, half away.

    With the coefficients scaled by 1000 every term is an integer (exact in float64), so
    values that are exactly ``k + 0.5`` round up, as MATLAB's rounding intends, independent
    of floating-point evaluation order.
    """
    mat = np.rint(np.asarray(YCBCR_MATRIX, dtype=np.float64)[rows] * 1000.0)
    off = np.asarray(YCBCR_OFFSET, dtype=np.float64)[rows] * 255000.0 + 127500.0
    if isinstance(img, np.ndarray):
        n = img.astype(np.float64) @ mat.T + off
        return np.clip(np.floor(n / 255000.0), 0, 255).astype(np.uint8)  # type: ignore[return-value]
    n = _apply(img.to(torch.float64), mat, off, axis)
    return torch.floor(n / 255000.0).clamp_(0, 255).to(torch.uint8)  # type: ignore[return-value]


def rgb_to_ycbcr(img: ArrayOrTensor, y_only: bool = False) -> ArrayOrTensor:
    """RGB -> YCbCr (BT.601 studio range), MATLAB ``rgb2ycbcr``.

    Args:
        img: uint8 RGB in [0, 255] or float RGB in [0, 1]; NumPy ``(H, W, 3)`` or tensor
            ``(3, H, W)`` / ``(N, 3, H, W)``.
        y_only: return only Y, shape ``(H, W, 1)`` / ``(1, H, W)`` / ``(N, 1, H, W)``.

    Returns:
        uint8 input: uint8 YCbCr (Y in [16, 235]), rounded half away from zero with exact
        integer arithmetic. Float input: float YCbCr divided by 255 (Y in [16/255, 235/255]),
        same float dtype, not rounded.
    """
    axis = _channel_axis(img, "rgb_to_ycbcr")
    rows = slice(0, 1) if y_only else slice(0, 3)
    if (isinstance(img, np.ndarray) and img.dtype == np.uint8) or (isinstance(img, Tensor) and img.dtype == torch.uint8):
        return _rgb_to_ycbcr_uint8(img, rows, axis)
    x = _to_unit_float(img, "rgb_to_ycbcr")
    mat = np.asarray(YCBCR_MATRIX, dtype=np.float64)[rows]
    off = np.asarray(YCBCR_OFFSET, dtype=np.float64)[rows]
    return _from_255(_apply(x, mat, off, axis), img)


def rgb_to_y(img: ArrayOrTensor) -> ArrayOrTensor:
    """Shorthand for ``rgb_to_ycbcr(img, y_only=True)`` (same shapes and ranges)."""
    return rgb_to_ycbcr(img, y_only=True)


def ycbcr_to_rgb(img: ArrayOrTensor) -> ArrayOrTensor:
    """YCbCr (BT.601 studio range) -> RGB, MATLAB ``ycbcr2rgb``; inverse of :func:`rgb_to_ycbcr`.

    Args:
        img: uint8 YCbCr on the [0, 255] scale or float YCbCr divided by 255; NumPy
            ``(H, W, 3)`` or tensor ``(3, H, W)`` / ``(N, 3, H, W)``.

    Returns:
        RGB, uint8 (rounded, saturated) for uint8 input, else float in [0, 1] (not clipped).
    """
    axis = _channel_axis(img, "ycbcr_to_rgb")
    x = _to_unit_float(img, "ycbcr_to_rgb")  # YCbCr / 255
    inv = np.linalg.inv(np.asarray(YCBCR_MATRIX, dtype=np.float64))  # maps [0,255]-scale YCbCr-offset to RGB[0,1]
    off = np.asarray(YCBCR_OFFSET, dtype=np.float64)
    # RGB[0,1] = inv @ (255*x - off)  ->  on the [0,255] scale: 255*inv @ 255*x - 255*inv @ off
    mat = 255.0 * 255.0 * inv
    bias = -255.0 * (inv @ off)
    return _from_255(_apply(x, mat, bias, axis), img)
