"""Reading and writing image files with Pillow, with the checks the data pipeline needs.

Images are NumPy arrays in HWC layout: ``(H, W, 1)`` for grayscale / single-channel
(infrared) images and ``(H, W, 3)`` for colour; dtype uint8 for 8-bit files and uint16 for
16-bit files: grayscale PNG/TIFF (Pillow modes ``I;16*``) and colour PNG. Pillow decodes
16-bit colour PNGs only to 8 bits, so those are read and written with pypng (pure Python,
exact 16-bit samples).
"""
from __future__ import annotations

import os
from typing import List, Optional, Union

import numpy as np
from PIL import Image, UnidentifiedImageError

from .._atomic import atomic_write
from .._png16 import png_header as _png_header, read_png16, write_png16

__all__ = ["IMAGE_EXTENSIONS", "read_image", "write_image", "list_images", "to_channels"]

PathLike = Union[str, "os.PathLike[str]"]

#: File name endings treated as images when listing folders (lower case).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pnm")


def to_channels(img: np.ndarray, channels: Optional[int], name: str = "to_channels") -> np.ndarray:
    """Converts an HWC image to 1 or 3 channels (None keeps it).

    1 -> 3 repeats the channel; 3 -> 1 takes ITU-R BT.601 luma
    ``0.299 R + 0.587 G + 0.114 B`` (Pillow's ``convert('L')``), rounded, in the input dtype.
    """
    if channels is None or img.shape[2] == channels:
        return img
    if channels == 3 and img.shape[2] == 1:
        return np.repeat(img, 3, axis=2)
    if channels == 1 and img.shape[2] == 3:
        y = img.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
        if np.issubdtype(img.dtype, np.integer):
            y = np.floor(y + 0.5)
        return y.astype(img.dtype)[:, :, None]
    raise ValueError(f"{name}: cannot convert a {img.shape[2]}-channel image to `channels`={channels} (expected 1 or 3)")


def read_image(path: PathLike, channels: Optional[int] = None) -> np.ndarray:
    """Reads an image file into a NumPy array.

    Args:
        path: image file (PNG, JPEG, BMP, TIFF, WebP, PPM/PGM).
        channels: None (keep: 1 for grayscale, 3 for colour), 1 or 3 (convert with
            :func:`to_channels`).

    Returns:
        ``(H, W, C)`` uint8 (8-bit files) or uint16 (16-bit grayscale files and 16-bit colour
        PNGs). Alpha is dropped, palette and CMYK images become RGB.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: the file is not a readable image, or a kind the pipeline does not
            support (float or 32-bit integer images).
    """
    path = os.fspath(path)
    if channels not in (None, 1, 3):
        raise ValueError(f"read_image: `channels` must be None, 1 or 3, got {channels!r}")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"read_image: image file {path!r} does not exist")
    try:
        with Image.open(path) as im:
            im.load()
            fmt = im.format
            mode = im.mode
            if mode in ("I;16", "I;16L", "I;16B", "I;16N"):
                arr = np.asarray(im).astype(np.uint16)
            elif mode == "I":
                png = _png_header(path) if fmt == "PNG" else None
                arr = np.asarray(im)
                if png is None or png[0] != 16 or arr.min() < 0 or arr.max() > 65535:
                    raise ValueError(f"read_image: {path!r} holds 32-bit integer pixels; only 8- and 16-bit images are supported")
                arr = arr.astype(np.uint16)
            elif mode in ("L", "1", "LA"):
                arr = np.asarray(im.convert("L"))
            elif mode in ("RGB", "RGBA", "P", "PA", "CMYK", "YCbCr", "LAB", "HSV", "RGBX", "RGBa"):
                png = _png_header(path) if fmt == "PNG" else None
                if png is not None and png[0] == 16:
                    arr = None  # decoded below with pypng: Pillow would give 8 bits
                else:
                    arr = np.asarray(im.convert("RGB"))
            else:
                raise ValueError(f"read_image: {path!r} has Pillow mode {mode!r}; supported are 8-bit grayscale/colour "
                                 "and 16-bit grayscale/colour images")
        if arr is None:
            arr = read_png16(path)
            arr = arr[:, :, :1] if arr.shape[2] <= 2 else arr[:, :, :3]  # alpha dropped
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as e:
        if isinstance(e, ValueError) and str(e).startswith("read_image:"):
            raise
        raise ValueError(f"read_image: cannot read image {path!r}: {e}") from e
    if arr.ndim == 2:
        arr = arr[:, :, None]
    arr = np.array(arr, order="C")  # writable and contiguous (np.asarray of a Pillow image is read-only)
    return to_channels(arr, channels, "read_image")


def write_image(path: PathLike, img: np.ndarray) -> None:
    """Writes an image atomically (temporary file in the same folder, then ``os.replace``).

    Args:
        path: destination; the format follows the extension (``.png`` keeps uint16).
        img: ``(H, W)`` or ``(H, W, C)`` with C = 1 or 3 (or 4 for RGBA), dtype uint8; or
            uint16: one channel (16-bit grayscale PNG/TIFF) or 3/4 channels (16-bit colour
            PNG only).
    """
    path = os.fspath(path)
    if not isinstance(img, np.ndarray):
        raise TypeError(f"write_image: `img` must be a NumPy array, got {type(img).__name__}")
    arr = img[:, :, 0] if img.ndim == 3 and img.shape[2] == 1 else img
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise ValueError(f"write_image: `img` must be (H, W) or (H, W, C) with C in (1, 3, 4), got shape {img.shape}")
    ext = os.path.splitext(path)[1].lower()
    pil = None
    if arr.dtype == np.uint8:
        pil = Image.fromarray(np.ascontiguousarray(arr))
    elif arr.dtype == np.uint16 and arr.ndim == 2:
        pil = Image.fromarray(np.ascontiguousarray(arr))  # mode I;16
    elif arr.dtype == np.uint16:
        if ext != ".png":
            raise ValueError(f"write_image: 16-bit colour images can only be written as PNG, got `path` {path!r}")
    else:
        raise TypeError(f"write_image: `img` must be uint8 or uint16, got {img.dtype} with shape {img.shape}")
    fmt = Image.registered_extensions().get(ext)
    if fmt is None:
        raise ValueError(f"write_image: unknown image extension {ext!r} in `path` {path!r}")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with atomic_write(path, suffix=ext) as f:
        if pil is None:
            write_png16(f, arr)
        else:
            pil.save(f, format=fmt)


def list_images(folder: PathLike) -> List[str]:
    """Sorted paths of the image files (by :data:`IMAGE_EXTENSIONS`) directly in ``folder``.

    Raises FileNotFoundError if ``folder`` is not a directory and ValueError if it holds no images.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"list_images: folder {folder!r} does not exist")
    files = sorted(os.path.join(folder, n) for n in os.listdir(folder)
                   if n.lower().endswith(IMAGE_EXTENSIONS) and not n.startswith(".")
                   and os.path.isfile(os.path.join(folder, n)))
    if not files:
        raise ValueError(f"list_images: folder {folder!r} holds no images (extensions {', '.join(IMAGE_EXTENSIONS)})")
    return files
