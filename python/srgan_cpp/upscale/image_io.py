"""Image files in and out for the upscaler: orientation, ICC / EXIF, alpha and 16 bits kept.

Pixels are ``(H, W, C)`` arrays, C = 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA), alpha
always last; uint8 for 8-bit files, uint16 for 16-bit ones (decided by the file's bit
depth, never by the pixel values). On reading, the EXIF orientation is applied to the
pixels (and removed from the EXIF, which is otherwise carried to the output with the ICC
profile). A file whose header declares more than ``max_pixels`` pixels is refused before
any pixel memory is allocated.
"""
from __future__ import annotations

import os
import threading
import warnings
from dataclasses import dataclass, field
from typing import Optional, Tuple, Union

import numpy as np
from PIL import Image, UnidentifiedImageError

from .._atomic import atomic_write
from .._png16 import png_header, read_png16
from .png_writer import write_png

__all__ = ["DEFAULT_MAX_PIXELS", "OUTPUT_FORMATS", "PNG_LEVEL", "Picture", "format_for_path", "picture_from_pil",
           "picture_to_pil", "read_picture", "write_picture"]

PathLike = Union[str, "os.PathLike[str]"]

#: Pillow's own hard limit (twice ``Image.MAX_IMAGE_PIXELS``): about 179 megapixels.
DEFAULT_MAX_PIXELS = 2 * 89_478_485
#: ``-f`` names -> (Pillow format, file extension).
OUTPUT_FORMATS = {"png": ("PNG", ".png"), "jpg": ("JPEG", ".jpg"), "webp": ("WEBP", ".webp"), "tif": ("TIFF", ".tif")}
_EXT_FORMAT = {".png": "png", ".jpg": "jpg", ".jpeg": "jpg", ".webp": "webp", ".tif": "tif", ".tiff": "tif"}
_EXIF_ORIENTATION = 0x0112
_PILLOW_LIMIT = threading.Lock()  # Image.MAX_IMAGE_PIXELS is global


@dataclass
class Picture:
    """An image with what the output must carry along.

    Attributes:
        pixels: ``(H, W, C)``, see the module docstring.
        icc_profile: raw ICC profile bytes, or None.
        exif: EXIF bytes with the orientation tag removed (the pixels are upright), or None.
        mode: the Pillow mode of the source, when it came from Pillow.
    """

    pixels: np.ndarray
    icc_profile: Optional[bytes] = None
    exif: Optional[bytes] = None
    mode: Optional[str] = field(default=None)

    @property
    def has_alpha(self) -> bool:
        return self.pixels.shape[2] in (2, 4)


def _orient(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Applies an EXIF orientation (1..8) to ``(H, W, C)`` pixels: the upright image."""
    if orientation == 2:
        return pixels[:, ::-1]
    if orientation == 3:
        return pixels[::-1, ::-1]
    if orientation == 4:
        return pixels[::-1]
    if orientation == 5:
        return pixels.transpose(1, 0, 2)
    if orientation == 6:
        return np.rot90(pixels, -1)
    if orientation == 7:
        return np.rot90(pixels, 2).transpose(1, 0, 2)
    if orientation == 8:
        return np.rot90(pixels, 1)
    return pixels


def _pil_pixels(im: Image.Image, where: str) -> np.ndarray:
    """Pillow image -> ``(H, W, C)`` uint8 / uint16 with C as in the module docstring."""
    mode = im.mode
    if mode.startswith("I;16"):
        return np.asarray(im).astype(np.uint16)[:, :, None]
    if mode == "I":
        a = np.asarray(im)
        if a.size and (a.min() < 0 or a.max() > 65535):
            raise ValueError(f"{where}: holds 32-bit integer pixels outside 0..65535, which the upscaler does not read")
        return a.astype(np.uint16)[:, :, None]
    if mode == "F":
        raise ValueError(f"{where}: holds floating-point pixels (Pillow mode 'F'); pass them as a float32 array in [0, 1]")
    transparent = "transparency" in im.info
    if mode in ("L", "1"):
        target = "LA" if transparent else "L"
    elif mode in ("LA", "La"):
        target = "LA"
    elif mode in ("RGBA", "RGBa", "PA") or transparent:
        target = "RGBA"
    else:  # RGB, P, CMYK, YCbCr, LAB, HSV, RGBX
        target = "RGB"
    if mode != target:
        im = im.convert(target)
    a = np.asarray(im)
    return a[:, :, None] if a.ndim == 2 else a


def _exif_bytes(im: Image.Image) -> Tuple[Optional[bytes], int]:
    """(EXIF without the orientation tag, the orientation) of a Pillow image."""
    try:
        exif = im.getexif()
    except Exception:  # noqa: BLE001 - broken EXIF is dropped, never fatal
        return None, 1
    orientation = int(exif.get(_EXIF_ORIENTATION, 1) or 1)
    if _EXIF_ORIENTATION in exif:
        del exif[_EXIF_ORIENTATION]
    data = exif.tobytes() if len(exif) else None
    return data, orientation if 1 <= orientation <= 8 else 1


def _check_pixels(where: str, width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ValueError(f"{where}: refused: its header declares {width}x{height} = {width * height} pixels, more than "
                         f"the limit of {max_pixels} (a decompression bomb, or raise `max_pixels`)")


def read_picture(path: PathLike, max_pixels: int = DEFAULT_MAX_PIXELS) -> Picture:
    """Reads an image file, upright, with its ICC profile and EXIF.

    Raises:
        FileNotFoundError / IsADirectoryError: ``path`` is missing / a folder.
        ValueError: an empty, truncated, corrupt or unknown file, an unsupported pixel type,
            or more than ``max_pixels`` pixels; the message names the file.
    """
    path = os.fspath(path)
    where = f"{path!r}"
    if os.path.isdir(path):
        raise IsADirectoryError(f"{where} is a folder, not an image file")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{where} does not exist")
    if os.path.getsize(path) == 0:
        raise ValueError(f"{where}: the file is empty (0 bytes)")
    head = png_header(path)
    if head is not None:
        _check_pixels(where, head.width, head.height, max_pixels)
    try:
        with _PILLOW_LIMIT, warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, max(max_pixels, 1)
            try:
                im = Image.open(path)
            finally:
                Image.MAX_IMAGE_PIXELS = saved
        with im:
            _check_pixels(where, im.width, im.height, max_pixels)
            icc = im.info.get("icc_profile") or None
            # 16-bit colour and gray+alpha PNGs: Pillow decodes them to 8 bits only.
            if head is not None and head.bit_depth == 16 and head.colour_type in (2, 4, 6):
                exif, orientation = _exif_bytes(im)
                pixels = read_png16(path)
            else:
                im.load()  # decode now, inside the try: Pillow is lazy
                exif, orientation = _exif_bytes(im)
                pixels = _pil_pixels(im, where)
            mode = im.mode
    except Image.DecompressionBombError as e:
        raise ValueError(f"{where}: refused as a decompression bomb: {e}") from None
    except (UnidentifiedImageError, OSError, SyntaxError, EOFError) as e:
        if isinstance(e, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise ValueError(f"{where}: cannot read it as an image (corrupt, truncated or not an image): {e}") from None
    return Picture(np.ascontiguousarray(_orient(pixels, orientation)), icc, exif, mode)


def picture_from_pil(im: Image.Image) -> Picture:
    """A Pillow image -> Picture (orientation applied, ICC and EXIF kept)."""
    exif, orientation = _exif_bytes(im)
    pixels = _pil_pixels(im, "the PIL image")
    return Picture(np.ascontiguousarray(_orient(pixels, orientation)), im.info.get("icc_profile") or None, exif, im.mode)


def picture_to_pil(pixels: np.ndarray, like: Picture) -> Image.Image:
    """Upscaled pixels -> a Pillow image in the mode of the source (``like``), ICC / EXIF attached."""
    c = pixels.shape[2]
    if pixels.dtype == np.uint16 and c != 1:
        raise ValueError("upscale: Pillow has no 16-bit colour mode; pass the image as a uint16 array instead")
    # Pillow infers the mode from the array: L, LA, RGB, RGBA for uint8, I;16 for 2-D uint16.
    im = Image.fromarray(np.ascontiguousarray(pixels[:, :, 0] if c == 1 else pixels))
    if like.icc_profile:
        im.info["icc_profile"] = like.icc_profile
    if like.exif:
        im.info["exif"] = like.exif
    return im


def format_for_path(path: str) -> Optional[str]:
    """The ``-f`` name ("png", "jpg", "webp", "tif") a file name's extension asks for, or None."""
    return _EXT_FORMAT.get(os.path.splitext(path)[1].lower())


def _to_8bit(pixels: np.ndarray) -> np.ndarray:
    return ((pixels.astype(np.uint32) * 255 + 32767) // 65535).astype(np.uint8)


#: The default zlib level of written PNGs: 1, OpenCV's ``imwrite`` default (what Real-ESRGAN's
#: script writes). Lossless either way; on upscaled photographs level 6 made files about 5 %
#: smaller and took 4x as long, longer than the upscale itself (docs/upscale.md).
PNG_LEVEL = 1

def write_picture(path: PathLike, pixels: np.ndarray, fmt: str, *, icc_profile: Optional[bytes] = None,
                  exif: Optional[bytes] = None, quality: Optional[int] = None,
                  png_level: Optional[int] = None) -> None:
    """Writes ``pixels`` (``(H, W, C)``, uint8 or uint16) atomically as ``fmt``.

    Formats: "png" (8/16 bits, every channel count), "jpg" (8 bits, gray or RGB), "webp"
    (8 bits, gray stored as RGB, alpha kept), "tif" (8 bits, or 16-bit gray). 16-bit pixels
    are rounded to 8 bits for jpg and webp (with a warning). ICC profiles go into every
    format, EXIF into png, jpg and webp. ``quality`` (1..100) applies to jpg and webp
    (default 95); ``png_level`` (zlib 0..9) to png (default ``PNG_LEVEL``).

    Raises:
        ValueError: the format cannot hold this image (alpha as jpg, 16-bit colour as tif)
            or an unknown ``fmt``; the message names the file and the fix.
    """
    path = os.fspath(path)
    if fmt not in OUTPUT_FORMATS:
        raise ValueError(f"`format` must be one of {', '.join(OUTPUT_FORMATS)}, got {fmt!r}")
    pil_format, ext = OUTPUT_FORMATS[fmt]
    c = pixels.shape[2]
    if fmt == "jpg" and c in (2, 4):
        raise ValueError(f"{path!r}: JPEG cannot store the alpha channel of this image; use -f png / webp, or "
                         "--alpha discard")
    if fmt == "tif" and pixels.dtype == np.uint16 and c != 1:
        raise ValueError(f"{path!r}: 16-bit colour TIFF cannot be written (Pillow); use -f png")
    if fmt in ("jpg", "webp") and pixels.dtype == np.uint16:
        warnings.warn(f"{path}: {fmt} holds 8 bits per channel; the 16-bit result is rounded to 8 bits", stacklevel=2)
        pixels = _to_8bit(pixels)
    with atomic_write(path, suffix=ext) as f:
        if fmt == "png":
            write_png(f, pixels, icc_profile=icc_profile, exif=exif,
                      compress_level=PNG_LEVEL if png_level is None else int(png_level))
            return
        im = picture_to_pil(pixels, Picture(pixels, icc_profile, None))
        kwargs = {}
        if icc_profile:
            kwargs["icc_profile"] = icc_profile
        if exif and fmt != "tif":
            kwargs["exif"] = exif
        if fmt in ("jpg", "webp"):
            kwargs["quality"] = 95 if quality is None else int(quality)
        if fmt == "webp" and im.mode == "LA":
            im = im.convert("RGBA")
        try:
            im.save(f, format=pil_format, **kwargs)
        except (OSError, ValueError, KeyError) as e:
            raise ValueError(f"{path!r}: cannot write this {im.mode} image as {pil_format}: {e}") from e
