"""A streaming PNG encoder for 8- and 16-bit gray, gray+alpha, RGB and RGBA arrays.

Why not Pillow: Pillow cannot write 16-bit colour PNGs, and it copies the whole array into
its own image first, which for an upscaled 8K photo doubles the host memory. This encoder
filters and compresses a few rows at a time straight from the array (zlib releases the GIL,
so it also runs well on a background thread) and writes the ICC profile (iCCP) and EXIF
(eXIf) chunks the input carried.
"""
from __future__ import annotations

import struct
import zlib
from typing import BinaryIO, Optional

import numpy as np

__all__ = ["write_png"]

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_COLOUR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}  # channels -> PNG colour type (gray, gray+alpha, RGB, RGBA)
#: Rows filtered and compressed per step: bounds the temporary memory to a few MB per row width.
_ROWS_PER_STEP = 64


def _chunk(f: BinaryIO, kind: bytes, data: bytes) -> None:
    f.write(struct.pack(">I", len(data)))
    f.write(kind)
    f.write(data)
    f.write(struct.pack(">I", zlib.crc32(data, zlib.crc32(kind)) & 0xFFFFFFFF))


def _filter_sub(rows: np.ndarray, bpp: int) -> bytes:
    """PNG filter type 1 (Sub) for ``(n, row_bytes)`` uint8 rows: each byte minus the byte one
    pixel to its left, modulo 256; the filter-type byte leads every row."""
    out = np.empty((rows.shape[0], rows.shape[1] + 1), dtype=np.uint8)
    out[:, 0] = 1
    out[:, 1:bpp + 1] = rows[:, :bpp]
    np.subtract(rows[:, bpp:], rows[:, :-bpp], out=out[:, bpp + 1:])  # uint8 arithmetic wraps modulo 256
    return out.tobytes()


def write_png(f: BinaryIO, img: np.ndarray, *, icc_profile: Optional[bytes] = None, exif: Optional[bytes] = None,
              compress_level: int = 6) -> None:
    """Encodes ``img`` as a PNG into the binary file ``f``.

    Args:
        img: ``(H, W)`` or ``(H, W, C)`` with C = 1 (gray), 2 (gray + alpha), 3 (RGB) or
            4 (RGBA); dtype uint8 (8-bit PNG) or uint16 (16-bit PNG).
        icc_profile: the raw ICC profile to embed (iCCP chunk), or None.
        exif: EXIF data (with or without the ``Exif\\0\\0`` header, as Pillow gives it) for
            an eXIf chunk, or None.
        compress_level: zlib level 0..9.

    Raises:
        ValueError: an unsupported shape or dtype.
    """
    arr = img[:, :, None] if img.ndim == 2 else img
    if arr.ndim != 3 or arr.shape[2] not in _COLOUR_TYPE or arr.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"write_png: expected (H, W[, C]) with C in 1..4 of uint8 or uint16, got {img.shape} "
                         f"{img.dtype}")
    h, w, c = arr.shape
    if h == 0 or w == 0:
        raise ValueError(f"write_png: the image is empty ({img.shape})")
    depth = 8 * arr.dtype.itemsize
    bpp = c * arr.dtype.itemsize
    f.write(_SIGNATURE)
    _chunk(f, b"IHDR", struct.pack(">IIBBBBB", w, h, depth, _COLOUR_TYPE[c], 0, 0, 0))
    if icc_profile:
        _chunk(f, b"iCCP", b"ICC profile\x00\x00" + zlib.compress(icc_profile))
    if exif:
        _chunk(f, b"eXIf", exif[6:] if exif.startswith(b"Exif\x00\x00") else exif)
    z = zlib.compressobj(compress_level)
    for r0 in range(0, h, _ROWS_PER_STEP):
        block = arr[r0:r0 + _ROWS_PER_STEP]
        if depth == 16:
            block = block.astype(">u2")  # PNG samples are big-endian
        rows = np.ascontiguousarray(block).view(np.uint8).reshape(block.shape[0], w * bpp)
        data = z.compress(_filter_sub(rows, bpp))
        if data:
            _chunk(f, b"IDAT", data)
    _chunk(f, b"IDAT", z.flush())
    _chunk(f, b"IEND", b"")
