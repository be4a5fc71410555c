"""Image files for the data pipeline: folder listing, and the HWC views of srgan_cpp's one
image reader and writer (``srgan_cpp.image_files``).

Images are NumPy arrays in HWC layout: ``(H, W, 1)`` for grayscale / single-channel
(infrared) images and ``(H, W, 3)`` for colour; dtype uint8 for 8-bit files and uint16 for
16-bit files: grayscale PNG/TIFF (Pillow modes ``I;16*``) and colour PNG (read and written
with pypng, since Pillow decodes 16-bit colour PNGs only to 8 bits).
"""
from __future__ import annotations

import os
from typing import List, Union

import numpy as np

from ..image_files import _save, read_image, to_channels

__all__ = ["IMAGE_EXTENSIONS", "list_images", "read_image", "to_channels", "write_image"]

PathLike = Union[str, "os.PathLike[str]"]

#: File name endings treated as images when listing folders (lower case).
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp", ".ppm", ".pgm", ".pnm")


def write_image(path: PathLike, img: np.ndarray) -> None:
    """Writes an image atomically (temporary file in the same folder, then ``os.replace``),
    creating the folder if needed; otherwise exactly ``srgan_cpp.image.save_image``.

    Args:
        path: destination; the format follows the extension (``.png`` keeps uint16).
        img: ``(H, W)`` or ``(H, W, C)`` with C = 1 or 3 (or 4 for RGBA), dtype uint8; or
            uint16: one channel (16-bit grayscale PNG/TIFF) or 3/4 channels (16-bit colour
            PNG only).
    """
    path = os.fspath(path)
    if not isinstance(img, np.ndarray):
        raise TypeError(f"write_image: `img` must be a NumPy array, got {type(img).__name__}")
    _save(path, img, "write_image", make_folder=True)


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
