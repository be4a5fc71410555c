"""Image files in and out: the one reading path of srgan_cpp, and atomic writing.

Every image srgan_cpp reads goes through :func:`_decoded`, which applies one set of checks -
the file exists and is not a folder, the image has pixels, it is not larger than Pillow's
decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``; also for the 16-bit colour PNGs
Pillow cannot decode, which go through pypng), the pixel type is one srgan_cpp reads - and
words every failure as a ValueError (or FileNotFoundError / IsADirectoryError) naming the
file. Two views of the result:

* :func:`load_image` (``srgan_cpp.image.load_image``): a channel layout chosen with ``mode``;
* :func:`read_image` (``srgan_cpp.data.read_image``, what the datasets use): always
  ``(H, W, C)``, gray kept gray, alpha dropped, optionally converted to 1 or 3 channels.

NumPy images are channels-last, ``uint8`` for 8-bit files and ``uint16`` for 16-bit ones.
"""
from __future__ import annotations

import contextlib
import os
from typing import Any, Iterator, Optional, Union

import numpy as np
from PIL import Image
from torch import Tensor

from ._atomic import atomic_write
from ._png16 import is_png16_colour, png_header, read_png16, write_png16

__all__ = ["load_image", "read_image", "save_image", "to_channels"]

PathLike = Union[str, "os.PathLike[str]"]

_CHANNELS = (1, 3, 4)
_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.uint16): 65535}
_LOAD_MODES = ("RGB", "L", "RGBA", None)
_GRAY_MODES = ("L", "1", "LA", "La", "I", "I;16", "I;16L", "I;16B", "I;16N")


class _Unreadable(ValueError):
    """A decodable image whose pixel type srgan_cpp does not read (already names the file)."""


def _check_path(fn: str, path: Any) -> str:
    try:
        return os.fspath(path)
    except TypeError:
        raise TypeError(f"{fn}: `path` must be a str or os.PathLike, got {type(path).__name__}") from None


def _check_size(width: int, height: int, path: str, fn: str) -> None:
    """Refuses an image without pixels, and one beyond Pillow's decompression-bomb limit."""
    if width <= 0 or height <= 0:
        raise _Unreadable(f"{fn}: cannot read image {path!r}: it has {width}x{height} pixels")
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and width * height > 2 * limit:
        raise _Unreadable(f"{fn}: refused image {path!r}: {width}x{height} pixels is more than twice "
                          f"PIL.Image.MAX_IMAGE_PIXELS ({limit}), a possible decompression bomb")


@contextlib.contextmanager
def _decoded(path: PathLike, fn: str) -> Iterator[Union[np.ndarray, Image.Image]]:
    """The decoded image: an ``(H, W, 3 or 4)`` uint16 array for a 16-bit colour PNG, else a
    loaded Pillow image (closed on exit). ``fn`` names the caller in every message."""
    path = _check_path(fn, path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{fn}: `path` {path!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{fn}: `path` {path!r} is a directory, not an image file")
    try:
        header = png_header(path)
        if is_png16_colour(header):
            _check_size(header.width, header.height, path, fn)  # type: ignore[union-attr]
            yield read_png16(path)
            return
        with Image.open(path) as im:
            _check_size(im.width, im.height, path, fn)
            im.load()  # decode now, inside the try: Pillow is lazy
            yield im
    except _Unreadable:
        raise
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as e:
        # UnidentifiedImageError and truncated-file errors are OSErrors; pypng's are ValueErrors.
        if isinstance(e, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise ValueError(f"{fn}: cannot read image {path!r}: {e}") from e


def _sixteen_bit(im: Image.Image, path: str, fn: str) -> Optional[np.ndarray]:
    """The pixels of a 16-bit (or 32-bit integer) grayscale image as uint16, else None."""
    if im.mode.startswith("I;16"):
        return np.asarray(im).astype(np.uint16)
    if im.mode == "I":  # some Pillow versions open 16-bit PNGs as 32-bit "I"
        a = np.asarray(im)
        if a.size and (a.min() < 0 or a.max() > 65535):
            raise _Unreadable(f"{fn}: {path!r} holds 32-bit integer pixels outside 0..65535, "
                              "which srgan_cpp does not read")
        return a.astype(np.uint16)
    return None


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


def _pixels(img: Union[np.ndarray, Image.Image], mode: Optional[str], path: str, fn: str) -> np.ndarray:
    """The decoded image in the layout of ``mode`` (see :func:`load_image`)."""
    if isinstance(img, np.ndarray):
        return _png16_pixels(img, mode)
    wide = _sixteen_bit(img, path, fn)
    if wide is not None:
        if mode in (None, "L"):
            return np.ascontiguousarray(wide)
        chans = [wide] * 3 + ([np.full_like(wide, 65535)] if mode == "RGBA" else [])
        return np.stack(chans, axis=-1)
    if img.mode == "F":
        raise _Unreadable(f"{fn}: {path!r} holds floating-point pixels (mode 'F'), which srgan_cpp does not read")
    if mode is not None:
        target = mode
    elif img.mode in ("L", "RGB", "RGBA"):
        target = img.mode
    elif img.mode == "1":
        target = "L"
    elif img.mode in ("LA", "La", "PA", "RGBa") or "transparency" in img.info:
        target = "RGBA"
    else:  # P without transparency, CMYK, YCbCr, LAB, HSV, RGBX...
        target = "RGB"
    conv = img if img.mode == target else img.convert(target)
    return np.array(conv, dtype=np.uint8)


def load_image(path: PathLike, mode: Optional[str] = "RGB") -> np.ndarray:
    """Reads an image file into a NumPy array (channels-last).

    Args:
        path: the file (PNG, JPEG, BMP, TIFF, ... whatever Pillow knows).
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
        FileNotFoundError: ``path`` does not exist. IsADirectoryError: it is a folder.
        ValueError: ``mode`` is not one of the above, or the file is not a readable image
            (corrupt, truncated, unknown format, no pixels, beyond the decompression-bomb
            limit, unsupported pixel type); the message names the file.
    """
    fn = "load_image"
    if mode not in _LOAD_MODES:
        raise ValueError(f"{fn}: `mode` must be one of {_LOAD_MODES}, got {mode!r}")
    with _decoded(path, fn) as img:
        return _pixels(img, mode, os.fspath(path), fn)


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
    """Reads an image file into an ``(H, W, C)`` NumPy array, as the datasets need it.

    Args:
        path: image file (PNG, JPEG, BMP, TIFF, WebP, PPM/PGM).
        channels: None (keep: 1 for grayscale, 3 for colour), 1 or 3 (convert with
            :func:`to_channels`).

    Returns:
        ``(H, W, C)`` uint8 (8-bit files) or uint16 (16-bit grayscale files and 16-bit colour
        PNGs). Alpha is dropped, palette and CMYK images become RGB.

    Raises:
        As :func:`load_image` (the same reading path and checks).
    """
    fn = "read_image"
    if channels not in (None, 1, 3):
        raise ValueError(f"{fn}: `channels` must be None, 1 or 3, got {channels!r}")
    with _decoded(path, fn) as img:
        gray = not isinstance(img, np.ndarray) and img.mode in _GRAY_MODES
        arr = _pixels(img, "L" if gray else "RGB", os.fspath(path), fn)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    arr = np.array(arr, order="C")  # writable and contiguous (np.asarray of a Pillow image is read-only)
    return to_channels(arr, channels, fn)


def _pil_format(path: str, fn: str) -> str:
    ext = os.path.splitext(path)[1].lower()
    Image.preinit()  # the common formats (PNG, JPEG, BMP, ...): cheap
    fmt = Image.EXTENSION.get(ext)
    if fmt is None:
        fmt = Image.registered_extensions().get(ext)  # imports every plugin: slower
    if fmt is None or fmt not in Image.SAVE:
        raise ValueError(f"{fn}: cannot tell an image format Pillow can write from the extension "
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
    _save(path, img, "save_image", **pil_kwargs)


def _save(path: PathLike, img: Union[np.ndarray, Tensor], fn: str, make_folder: bool = False,
          **pil_kwargs: Any) -> None:
    """:func:`save_image`, with ``fn`` naming the caller in every message; ``make_folder``
    creates a missing folder (once ``img`` is known to be writable) instead of refusing."""
    path = _check_path(fn, path)
    if isinstance(img, Tensor):
        if img.dim() not in (2, 3):
            raise ValueError(f"{fn}: a tensor `img` must be HW or CHW, got shape {tuple(img.shape)}")
        from .image import to_numpy  # here: srgan_cpp.image imports this module

        img = to_numpy(img, dtype=np.uint8, squeeze_gray=True)
    if not isinstance(img, np.ndarray):
        raise TypeError(f"{fn}: `img` must be a numpy.ndarray or torch.Tensor, got {type(img).__name__}")
    if img.dtype not in _INT_MAX:
        hint = " (convert floats in [0, 1] with srgan_cpp.image.to_numpy first)" if img.dtype.kind == "f" else ""
        raise TypeError(f"{fn}: `img` must have dtype uint8 or uint16, got {img.dtype.name}{hint}")
    if img.ndim == 3 and img.shape[-1] == 1:
        img = img[..., 0]
    if img.ndim == 3 and img.shape[-1] not in _CHANNELS:
        raise ValueError(f"{fn}: `img` of shape {img.shape} is not HWC with C in {_CHANNELS}")
    if img.ndim not in (2, 3):
        raise ValueError(f"{fn}: `img` must be HW or HWC (one image, not a batch), got shape {img.shape}")
    png16_colour = img.dtype == np.uint16 and img.ndim == 3
    if png16_colour and os.path.splitext(path)[1].lower() != ".png":
        raise ValueError(f"{fn}: 16-bit colour images can only be written as PNG (Pillow cannot write them; "
                         f"srgan_cpp writes them with pypng), got {path!r}; use .png or convert to uint8")
    if img.shape[0] == 0 or img.shape[1] == 0:
        raise ValueError(f"{fn}: `img` is empty (shape {img.shape})")
    fmt = _pil_format(path, fn)
    folder = os.path.dirname(os.path.abspath(path))
    if make_folder:
        os.makedirs(folder, exist_ok=True)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{fn}: the folder of {path!r} does not exist")

    if png16_colour:
        with atomic_write(path, suffix=".png") as f:
            write_png16(f, img)
        return
    pil = Image.fromarray(np.ascontiguousarray(img))
    with atomic_write(path, suffix=os.path.splitext(path)[1]) as f:
        try:
            pil.save(f, format=fmt, **pil_kwargs)
        except (OSError, KeyError, ValueError) as e:  # e.g. "cannot write mode RGBA as JPEG"
            raise ValueError(f"{fn}: cannot write this {pil.mode} image as {fmt} to {path!r}: {e}") from e
