"""16-bit-per-channel colour PNGs, which Pillow can only decode to (and not write from) 8 bits.

They are read and written with pypng (pure Python, exact 16-bit samples); every other file
goes through Pillow. Arrays are HWC ``uint16``.
"""
from __future__ import annotations

from typing import BinaryIO, NamedTuple, Optional

import numpy as np

__all__ = ["PNGHeader", "is_png16_colour", "png_header", "read_png16", "write_png16"]


class PNGHeader(NamedTuple):
    """What a PNG's IHDR chunk says."""

    width: int
    height: int
    bit_depth: int
    colour_type: int


def png_header(path: str) -> Optional[PNGHeader]:
    """The IHDR chunk of a PNG file, or None if the file is not a PNG."""
    with open(path, "rb") as f:
        head = f.read(26)
    if len(head) < 26 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return PNGHeader(int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big"), head[24], head[25])


def is_png16_colour(header: Optional[PNGHeader]) -> bool:
    """True for the header of a 16-bit RGB (colour type 2) or RGBA (6) PNG."""
    return header is not None and header.bit_depth == 16 and header.colour_type in (2, 6)


def read_png16(path: str) -> np.ndarray:
    """Decodes a 16-bit PNG -> ``(H, W, planes)`` uint16 (planes: 3 RGB, 4 RGBA, 1-2 gray).

    Raises ValueError for a corrupt or truncated file (pypng's FormatError / ChunkError).
    """
    import png  # imported here so that 8-bit images never need pypng

    try:
        width, height, rows, info = png.Reader(filename=path).asDirect()
        planes = int(info["planes"])
        out = np.empty((height, width * planes), dtype=np.uint16)
        for y, row in enumerate(rows):  # pypng gives array('H') rows: copied without a Python loop per sample
            out[y] = np.frombuffer(row, dtype=np.uint16)
    except (png.Error, EOFError, ValueError) as e:
        raise ValueError(f"cannot decode 16-bit PNG {path!r}: {e}") from e
    return out.reshape(height, width, planes)


def write_png16(f: BinaryIO, img: np.ndarray) -> None:
    """Encodes ``(H, W, 3 or 4)`` uint16 as a 16-bit RGB(A) PNG into the open binary file ``f``."""
    import png

    h, w, c = img.shape
    writer = png.Writer(width=w, height=h, greyscale=False, alpha=(c == 4), bitdepth=16)
    writer.write(f, np.ascontiguousarray(img).reshape(h, w * c).tolist())
