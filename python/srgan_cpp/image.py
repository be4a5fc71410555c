"""NumPy <-> tensor conversion for images, and image files in and out (via Pillow).

Conventions used throughout srgan_cpp:

* NumPy images are channels-last: ``HW`` (gray), ``HWC`` with C = 1 (gray), 3 (RGB) or
  4 (RGBA), or a batch ``NHWC``. Integer pixels are ``uint8`` (0..255) or ``uint16``
  (0..65535).
* Tensors are channels-first floats in ``[0, 1]``: ``CHW`` or a batch ``NCHW``.

``to_tensor`` and ``to_numpy`` convert between the two (the one ``to_tensor`` of srgan_cpp:
``srgan_cpp.data.to_tensor`` is this function); ``load_image`` and ``save_image`` read and
write files (PNG, JPEG, BMP, TIFF, ... whatever Pillow knows; see :mod:`.image_files`).
"""
from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np
import torch
from torch import Tensor

from .image_files import load_image, save_image

__all__ = ["load_image", "save_image", "to_numpy", "to_tensor"]

#: Channel counts an image may have (gray, RGB, RGBA).
_CHANNELS = (1, 3, 4)
#: Integer dtype -> the value that maps to 1.0.
_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _dtype_name(dt: Any) -> str:
    try:
        return np.dtype(dt).name
    except TypeError:
        return repr(dt)


# --------------------------------------------------------------------------------------
# NumPy -> tensor
# --------------------------------------------------------------------------------------
def to_tensor(img: np.ndarray, *, dtype: torch.dtype = torch.float32,
              device: Optional[Union[str, torch.device]] = None) -> Tensor:
    """Converts a channels-last NumPy image (or batch) into a channels-first float tensor.

    Args:
        img: one of
            * ``(H, W)``: a gray image -> ``(1, H, W)``;
            * ``(H, W, C)`` with C = 1, 3 or 4 (gray, RGB, RGBA) -> ``(C, H, W)``;
            * ``(N, H, W, C)``, a batch of those -> ``(N, C, H, W)``.

            Its dtype decides the value mapping:
            * ``uint8``: 0..255 -> [0, 1] (divided by 255);
            * ``uint16``: 0..65535 -> [0, 1] (divided by 65535);
            * ``float32`` / ``float64``: values are *assumed already in [0, 1]* and are
              kept as they are (no rescaling, no clamping).

            Any other dtype (bool, int32, float16, ...) is rejected.
        dtype: floating-point dtype of the result (default ``torch.float32``). The
            scaling is computed in float64 for a float64 result, else in float32.
        device: where the result lives (default: CPU).

    Returns:
        A new contiguous tensor of shape ``(C, H, W)`` or ``(N, C, H, W)``; it never shares
        memory with ``img``.

    Raises:
        TypeError: ``img`` is not a NumPy array, has an unsupported dtype, or ``dtype`` is
            not a floating-point torch dtype.
        ValueError: ``img`` has an unsupported rank or channel count.
    """
    if not isinstance(img, np.ndarray):
        raise TypeError(f"to_tensor: `img` must be a numpy.ndarray, got {type(img).__name__}")
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise TypeError(f"to_tensor: `dtype` must be a floating-point torch.dtype, got {dtype!r}")
    src = img.dtype
    if src not in _INT_MAX and src not in _FLOAT_DTYPES:
        raise TypeError(f"to_tensor: `img` must have dtype uint8, uint16, float32 or float64, got {src.name}")
    if img.ndim == 2:
        arr = img[None, :, :]  # (1, H, W)
    elif img.ndim == 3:
        if img.shape[-1] not in _CHANNELS:
            raise ValueError(f"to_tensor: `img` of shape {img.shape} is not HWC with C in {_CHANNELS} "
                             "(1 gray, 3 RGB, 4 RGBA); channels-first arrays are not accepted")
        arr = np.moveaxis(img, -1, 0)  # (C, H, W)
    elif img.ndim == 4:
        if img.shape[-1] not in _CHANNELS:
            raise ValueError(f"to_tensor: `img` of shape {img.shape} is not NHWC with C in {_CHANNELS} "
                             "(1 gray, 3 RGB, 4 RGBA)")
        arr = np.moveaxis(img, -1, 1)  # (N, C, H, W)
    else:
        raise ValueError(f"to_tensor: `img` must be HW, HWC or NHWC (2, 3 or 4 dims), got shape {img.shape}")

    work = np.float64 if dtype == torch.float64 else np.float32
    # np.array(..., order="C") always copies into a fresh contiguous buffer.
    out = np.array(arr, dtype=work, order="C", copy=True)
    if src in _INT_MAX:
        np.divide(out, _INT_MAX[src], out=out)
    t = torch.from_numpy(out)
    if t.dtype != dtype:
        t = t.to(dtype)
    if device is not None:
        t = t.to(device)
    return t


# --------------------------------------------------------------------------------------
# tensor -> NumPy
# --------------------------------------------------------------------------------------
def to_numpy(t: Tensor, *, dtype: Any = np.uint8, squeeze_gray: Optional[bool] = None) -> np.ndarray:
    """Converts a channels-first float tensor in [0, 1] into a channels-last NumPy image.

    Args:
        t: a floating-point tensor ``(H, W)``, ``(C, H, W)`` or ``(N, C, H, W)`` with
            C = 1, 3 or 4, values nominally in [0, 1]. Any device; it is detached and
            copied to the CPU.
        dtype: dtype of the result:
            * ``np.uint8``: ``round(clamp(x, 0, 1) * 255)``;
            * ``np.uint16``: ``round(clamp(x, 0, 1) * 65535)``;
            * ``np.float32`` / ``np.float64``: the values as they are, *not* clamped.

            Rounding is to the nearest integer with ties to even (``torch.round``, i.e.
            ``(x * 255).round()`` as in most super-resolution code); exact ties only occur
            for values that are not of the form k/255, so images that came from ``to_tensor``
            round-trip exactly.
        squeeze_gray: whether a 1-channel image comes back as ``(H, W)`` (or ``(N, H, W)``)
            rather than ``(H, W, 1)`` (or ``(N, H, W, 1)``). Default (None): True for a
            ``CHW`` tensor, False for an ``NCHW`` batch. An ``(H, W)`` tensor always gives
            ``(H, W)``.

    Returns:
        A new C-contiguous array ``(H, W)``, ``(H, W, C)``, ``(N, H, W, C)`` or ``(N, H, W)``.

    Raises:
        TypeError: ``t`` is not a floating-point tensor, or ``dtype`` is not one of the four
            above.
        ValueError: ``t`` has an unsupported rank or channel count, or holds NaN while an
            integer dtype was asked for.
    """
    if not isinstance(t, Tensor):
        raise TypeError(f"to_numpy: `t` must be a torch.Tensor, got {type(t).__name__}")
    if not t.is_floating_point():
        raise TypeError(f"to_numpy: `t` must be a floating-point tensor with values in [0, 1], got {t.dtype}")
    try:
        out_dtype = np.dtype(dtype)
    except TypeError:
        out_dtype = None
    if out_dtype is None or (out_dtype not in _INT_MAX and out_dtype not in _FLOAT_DTYPES):
        raise TypeError(f"to_numpy: `dtype` must be np.uint8, np.uint16, np.float32 or np.float64, "
                        f"got {_dtype_name(dtype)}")
    if t.dim() == 2:
        layout = "HW"
    elif t.dim() in (3, 4):
        c = t.shape[-3]
        if c not in _CHANNELS:
            name = "CHW" if t.dim() == 3 else "NCHW"
            raise ValueError(f"to_numpy: `t` of shape {tuple(t.shape)} is not {name} with C in {_CHANNELS} "
                             "(1 gray, 3 RGB, 4 RGBA)")
        layout = "CHW" if t.dim() == 3 else "NCHW"
    else:
        raise ValueError(f"to_numpy: `t` must be HW, CHW or NCHW (2, 3 or 4 dims), got shape {tuple(t.shape)}")
    if squeeze_gray is None:
        squeeze_gray = layout == "CHW"

    x = t.detach().to("cpu")
    if x.dtype not in (torch.float32, torch.float64):
        x = x.to(torch.float32)  # float16 / bfloat16
    if out_dtype in _INT_MAX:
        x = x.to(torch.float64) if out_dtype == np.uint16 else x
        if torch.isnan(x).any():
            raise ValueError(f"to_numpy: `t` contains NaN; cannot convert it to {out_dtype.name}")
        x = (x.clamp(0.0, 1.0) * _INT_MAX[out_dtype]).round()
    if layout == "CHW":
        x = x.permute(1, 2, 0)
    elif layout == "NCHW":
        x = x.permute(0, 2, 3, 1)
    if layout != "HW" and squeeze_gray and x.shape[-1] == 1:
        x = x[..., 0]
    return np.array(x.numpy(), dtype=out_dtype, order="C", copy=True)
