"""NumPy <-> tensor conversion for images, and image files in and out (via Pillow).

Conventions used throughout srgan_cpp:

* NumPy images are channels-last: ``HW`` (gray), ``HWC`` with C = 1 (gray), 3 (RGB) or
  4 (RGBA), or a batch ``NHWC``. Integer pixels are ``uint8`` (0..255) or ``uint16``
  (0..65535).
* Tensors are channels-first floats in ``[0, 1]``: ``CHW`` or a batch ``NCHW``.

``to_tensor`` and ``to_numpy`` convert between the two; ``load_image`` and ``save_image``
read and write files (PNG, JPEG, BMP, TIFF, ... whatever Pillow knows).
"""
from __future__ import annotations

import os
from typing import Any, Optional, Union

import numpy as np
import torch
from PIL import Image
from torch import Tensor

from ._atomic import atomic_write
from ._png16 import is_png16_colour, read_png16, write_png16

__all__ = ["to_tensor", "to_numpy", "load_image", "save_image"]

PathLike = Union[str, "os.PathLike[str]"]

#: Channel counts an image may have (gray, RGB, RGBA).
_CHANNELS = (1, 3, 4)
#: Integer dtype -> the value that maps to 1.0.
_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}
_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_LOAD_MODES = ("RGB", "L", "RGBA", None)


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


# --------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------
def _check_path(fn: str, path: Any) -> str:
    try:
        return os.fspath(path)
    except TypeError:
        raise TypeError(f"{fn}: `path` must be a str or os.PathLike, got {type(path).__name__}") from None


class _Unreadable(ValueError):
    """A decodable image whose pixel type srgan_cpp does not read."""


def _sixteen_bit(im: Image.Image, path: str) -> Optional[np.ndarray]:
    """The pixels of a 16-bit (or 32-bit integer) grayscale image as uint16, else None."""
    if im.mode.startswith("I;16"):
        return np.asarray(im).astype(np.uint16)
    if im.mode == "I":  # some Pillow versions open 16-bit PNGs as 32-bit "I"
        a = np.asarray(im)
        if a.size and (a.min() < 0 or a.max() > 65535):
            raise _Unreadable(f"load_image: {path!r} holds 32-bit integer pixels outside 0..65535, "
                             "which srgan_cpp does not read")
        return a.astype(np.uint16)
    return None


def load_image(path: PathLike, mode: Optional[str] = "RGB") -> np.ndarray:
    """Reads an image file into a NumPy array (channels-last).

    Args:
        path: the file.
        mode: the channel layout of the result:
            * ``"RGB"`` (default): ``(H, W, 3)``; gray images are repeated into 3 channels,
              alpha is dropped, palettes are expanded;
            * ``"L"``: ``(H, W)`` gray (ITU-R 601 luma for colour files, as Pillow computes it);
            * ``"RGBA"``: ``(H, W, 4)``, alpha 255 (65535) where the file has none;
            * ``None``: as stored: ``(H, W)`` for gray, ``(H, W, 3)`` for RGB, ``(H, W, 4)``
              for anything with transparency; palette and bilevel images are expanded.

    Returns:
        ``uint8`` pixels for 8-bit files. 16-bit *grayscale* files (e.g. 16-bit PNG or TIFF)
        give ``uint16`` pixels in every mode (gray repeated for "RGB"/"RGBA", alpha 65535).
        16-bit colour PNGs (which Pillow decodes only to 8 bits) are decoded with pypng and
        give ``uint16`` too ("L": the luma ``0.299 R + 0.587 G + 0.114 B``, rounded).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: ``mode`` is not one of the above, or the file is not a readable image
            (corrupt, truncated, unknown format, unsupported pixel type); the message names
            the file.
    """
    path = _check_path("load_image", path)
    if mode not in _LOAD_MODES:
        raise ValueError(f"load_image: `mode` must be one of {_LOAD_MODES}, got {mode!r}")
    if not os.path.exists(path):
        raise FileNotFoundError(f"load_image: `path` {path!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"load_image: `path` {path!r} is a directory, not an image file")
    try:
        if is_png16_colour(path):
            return _png16_pixels(read_png16(path), mode)
        with Image.open(path) as im:
            im.load()  # decode now, inside the try: Pillow is lazy
            return _pixels(im, mode, path)
    except _Unreadable:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as e:
        # UnidentifiedImageError and truncated-file errors are OSErrors.
        if isinstance(e, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise ValueError(f"load_image: cannot read {path!r} as an image: {e}") from e


def _png16_pixels(rgb: np.ndarray, mode: Optional[str]) -> np.ndarray:
    """(H, W, 3 or 4) uint16 from a 16-bit colour PNG -> the layout ``mode`` asks for."""
    if mode is None:
        return rgb
    if mode == "RGB":
        return np.ascontiguousarray(rgb[..., :3])
    if mode == "RGBA":
        if rgb.shape[-1] == 4:
            return rgb
        return np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 65535, np.uint16)], axis=-1)
    luma = rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    return np.floor(luma + 0.5).astype(np.uint16)


def _pixels(im: Image.Image, mode: Optional[str], path: str) -> np.ndarray:
    wide = _sixteen_bit(im, path)
    if wide is not None:
        if mode in (None, "L"):
            return np.ascontiguousarray(wide)
        chans = [wide] * 3 + ([np.full_like(wide, 65535)] if mode == "RGBA" else [])
        return np.stack(chans, axis=-1)
    if im.mode == "F":
        raise _Unreadable(f"load_image: {path!r} holds floating-point pixels (mode 'F'), which srgan_cpp does not read")
    if mode is not None:
        target = mode
    elif im.mode in ("L", "RGB", "RGBA"):
        target = im.mode
    elif im.mode == "1":
        target = "L"
    elif im.mode in ("LA", "La", "PA", "RGBa") or "transparency" in im.info:
        target = "RGBA"
    else:  # P without transparency, CMYK, YCbCr, LAB, HSV, RGBX...
        target = "RGB"
    conv = im if im.mode == target else im.convert(target)
    return np.array(conv, dtype=np.uint8)


def _pil_format(path: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    Image.preinit()  # the common formats (PNG, JPEG, BMP, ...): cheap
    fmt = Image.EXTENSION.get(ext)
    if fmt is None:
        fmt = Image.registered_extensions().get(ext)  # imports every plugin: slower
    if fmt is None or fmt not in Image.SAVE:
        raise ValueError(f"save_image: cannot tell an image format Pillow can write from the extension "
                         f"of {path!r} (use e.g. .png, .jpg, .bmp, .tif)")
    return fmt


def save_image(path: PathLike, img: Union[np.ndarray, Tensor], **pil_kwargs: Any) -> None:
    """Writes an image file, atomically; the format follows the file extension.

    Args:
        path: the file to write; its folder must exist. An existing file is replaced.
        img: a NumPy image ``(H, W)`` or ``(H, W, C)`` with C = 1, 3 or 4, of dtype
            ``uint8``; or ``uint16``: a gray image (written as a 16-bit PNG/TIFF) or an RGB/RGBA
            one (a 16-bit colour PNG, written with pypng; ``pil_kwargs`` do not apply). A
            float tensor ``(C, H, W)`` / ``(H, W)`` in [0, 1] is also accepted and written
            as 8 bits (through ``to_numpy``).
        **pil_kwargs: passed to ``PIL.Image.Image.save`` (e.g. ``quality=95`` for JPEG).

    The image is encoded into a temporary file in the same folder, flushed to disk and
    renamed over ``path`` (``os.replace``): readers see either the old file or the complete
    new one, and a failed save leaves no partial or temporary file behind.

    Raises:
        TypeError: ``img`` has an unsupported type or dtype.
        ValueError: ``img`` has an unsupported shape, the extension names no format Pillow
            can write, or that format cannot hold this image (e.g. RGBA or 16-bit as JPEG).
        FileNotFoundError: the folder of ``path`` does not exist.
    """
    path = _check_path("save_image", path)
    if isinstance(img, Tensor):
        if img.dim() not in (2, 3):
            raise ValueError(f"save_image: a tensor `img` must be HW or CHW, got shape {tuple(img.shape)}")
        img = to_numpy(img, dtype=np.uint8, squeeze_gray=True)
    if not isinstance(img, np.ndarray):
        raise TypeError(f"save_image: `img` must be a numpy.ndarray or torch.Tensor, got {type(img).__name__}")
    if img.dtype not in _INT_MAX:
        hint = " (convert floats in [0, 1] with srgan_cpp.image.to_numpy first)" if img.dtype.kind == "f" else ""
        raise TypeError(f"save_image: `img` must have dtype uint8 or uint16, got {img.dtype.name}{hint}")
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim == 3 and img.shape[-1] not in _CHANNELS:
        raise ValueError(f"save_image: `img` of shape {img.shape} is not HWC with C in {_CHANNELS}")
    if img.ndim not in (2, 3):
        raise ValueError(f"save_image: `img` must be HW or HWC (one image, not a batch), got shape {img.shape}")
    png16_colour = img.dtype == np.uint16 and img.ndim == 3
    if png16_colour and os.path.splitext(path)[1].lower() != ".png":
        raise ValueError("save_image: 16-bit colour images can only be written as PNG (Pillow cannot write them; "
                         f"srgan_cpp writes them with pypng), got {path!r}; use .png or convert to uint8")
    if img.shape[0] == 0 or img.shape[1] == 0:
        raise ValueError(f"save_image: `img` is empty (shape {img.shape})")
    fmt = _pil_format(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save_image: the folder of {path!r} does not exist")

    if png16_colour:
        with atomic_write(path, suffix=".png") as f:
            write_png16(f, img)
        return
    pil = Image.fromarray(np.ascontiguousarray(img))
    with atomic_write(path, suffix=os.path.splitext(path)[1]) as f:
        try:
            pil.save(f, format=fmt, **pil_kwargs)
        except (OSError, KeyError, ValueError) as e:  # e.g. "cannot write mode RGBA as JPEG"
            raise ValueError(f"save_image: cannot write this {pil.mode} image as {fmt} to {path!r}: {e}") from e
