"""Seeded-random fuzzing of srgan_cpp's one image reading path (``load_image`` and
``read_image``) and of ``modcrop``, with fixed case counts so the run stays bounded (a few
seconds), plus the regressions it is built to catch: a 16-bit colour PNG whose header says
width 0 (decoded to an empty array by the pypng path before), Pillow's DecompressionBombError
escaping unwrapped and without the file name, ``modcrop(img, 0)`` raising ZeroDivisionError.

The property: every call either returns a non-empty ``uint8`` / ``uint16`` HW or HWC array,
or raises ValueError / FileNotFoundError whose message names the file - nothing else, and
quickly."""
from __future__ import annotations

import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from srgan_cpp.data import modcrop, read_image
from srgan_cpp.image import load_image

SEED = 17
N_FILES = 60
READERS = ([(f"load_image-{m}", lambda p, m=m: load_image(p, mode=m)) for m in ("RGB", "L", "RGBA", None)]
           + [(f"read_image-{c}", lambda p, c=c: read_image(p, channels=c)) for c in (None, 1, 3)])


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _png16(arr: np.ndarray, width: int = -1, height: int = -1) -> bytes:
    """A 16-bit RGB(A) PNG written by hand; ``width`` / ``height`` override the header only
    (with a valid CRC), as a hostile file would."""
    h, w, c = arr.shape
    raw = b"".join(b"\x00" + arr[i].astype(">u2").tobytes() for i in range(h))
    ihdr = struct.pack(">IIBBBBB", w if width < 0 else width, h if height < 0 else height, 16, 2 if c == 3 else 6,
                       0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(raw)) + _chunk(b"IEND", b"")


def _set_png_size(data: bytes, width: int, height: int) -> bytes:
    """The PNG with its IHDR width / height replaced and the chunk's CRC recomputed."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return data
    body = struct.pack(">II", width, height) + data[24:29]
    return data[:8] + _chunk(b"IHDR", body) + data[33:]


def _random_file(rng: np.random.Generator, path) -> None:
    h, w = int(rng.integers(1, 10)), int(rng.integers(1, 10))
    kind = rng.choice(["png-L", "png-RGB", "png-RGBA", "png-P", "png-I16", "png16-RGB", "png16-RGBA", "bmp", "tif",
                       "jpg", "gif"])
    if kind.startswith("png16"):
        c = 3 if kind.endswith("RGB") else 4
        data = _png16(rng.integers(0, 65536, (h, w, c), dtype=np.uint16))
    else:
        fmt = {"bmp": "BMP", "tif": "TIFF", "jpg": "JPEG", "gif": "GIF"}.get(kind, "PNG")
        mode = kind.split("-")[1] if "-" in kind else ("L" if kind == "gif" else "RGB")
        if mode == "I16":
            im = Image.fromarray(rng.integers(0, 65536, (h, w), dtype=np.uint16))
        else:
            im = Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).convert(mode)
        path.write_bytes(b"")
        im.save(path, format=fmt)
        data = path.read_bytes()
    action = rng.choice(["keep", "truncate", "flip", "size0", "huge", "garbage", "empty"])
    if action == "truncate":
        data = data[: int(rng.integers(0, len(data)))]
    elif action == "flip":
        buf = bytearray(data)
        for i in rng.integers(0, len(buf), int(rng.integers(1, 4))):
            buf[int(i)] ^= int(rng.integers(1, 256))
        data = bytes(buf)
    elif action == "size0":
        data = _set_png_size(data, 0 if rng.random() < 0.5 else w, 0 if rng.random() < 0.5 else h)
    elif action == "huge":
        data = _set_png_size(data, int(rng.integers(70_000, 2**31 - 1)), int(rng.integers(70_000, 2**31 - 1)))
    elif action == "garbage":
        data = rng.integers(0, 256, int(rng.integers(1, 200)), dtype=np.uint8).tobytes()
    elif action == "empty":
        data = b""
    path.write_bytes(data)


def _check(result_or_error, path) -> None:
    if isinstance(result_or_error, BaseException):
        e = result_or_error
        assert isinstance(e, (ValueError, FileNotFoundError)), f"{type(e).__name__}: {e}"
        assert path.name in str(e), str(e)
        return
    arr = result_or_error
    assert isinstance(arr, np.ndarray) and arr.dtype in (np.uint8, np.uint16)
    assert arr.ndim in (2, 3) and arr.shape[0] >= 1 and arr.shape[1] >= 1 and arr.size > 0
    if arr.ndim == 3:
        assert arr.shape[2] in (1, 3, 4)


def _call(reader, path):
    t0 = time.perf_counter()
    try:
        out = reader(path)
    except Exception as e:  # noqa: BLE001 - the property is about which exceptions escape
        out = e
    assert time.perf_counter() - t0 < 5.0
    return out


def test_readers_on_random_and_damaged_files(tmp_path):
    rng = np.random.default_rng(SEED)
    for i in range(N_FILES):
        path = tmp_path / f"case{i:03d}.{rng.choice(['png', 'bmp', 'tif', 'jpg'])}"
        _random_file(rng, path)
        for name, reader in READERS:
            _check(_call(reader, path), path)


def test_both_readers_agree(tmp_path):
    """Whatever one reader accepts the other accepts, with the same pixels where the layouts
    coincide (they share one decoder)."""
    rng = np.random.default_rng(SEED + 1)
    for i in range(30):
        path = tmp_path / f"agree{i:03d}.png"
        _random_file(rng, path)
        a, b = _call(lambda p: load_image(p, mode=None), path), _call(read_image, path)
        assert isinstance(a, BaseException) == isinstance(b, BaseException), (a, b)
        if not isinstance(a, BaseException) and (a.ndim == 2 or a.shape[2] == 3):
            np.testing.assert_array_equal(b[..., 0] if a.ndim == 2 else b, a)


@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("width, height", [(0, 4), (5, 0), (0, 0)])
def test_png16_without_pixels_is_refused_like_the_8bit_path(tmp_path, channels, width, height):
    path = tmp_path / "zero.png"
    path.write_bytes(_png16(np.ones((4, 5, channels), np.uint16), width=width, height=height))
    eight = tmp_path / "zero8.png"
    Image.new("RGB", (5, 4)).save(eight)
    eight.write_bytes(_set_png_size(eight.read_bytes(), width, height))
    consistent = tmp_path / "zero_consistent.png"  # header and data agree: width 0 (issue 17's repro)
    consistent.write_bytes(_png16(np.zeros((4, 0, channels), np.uint16)))
    for p in (path, eight, consistent):
        for _, reader in READERS:
            with pytest.raises(ValueError, match=p.name):
                reader(p)


def test_decompression_bombs_are_refused_with_the_file_name(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20)  # > 40 pixels: a bomb
    big8, big16 = tmp_path / "big8.png", tmp_path / "big16.png"
    Image.new("RGB", (9, 9)).save(big8)
    big16.write_bytes(_png16(np.zeros((9, 9, 3), np.uint16)))
    for p in (big8, big16):
        for _, reader in READERS:
            with pytest.raises(ValueError, match=f"{p.name}.*decompression bomb|decompression bomb.*{p.name}"):
                reader(p)
    small = tmp_path / "small.png"
    Image.new("RGB", (5, 4)).save(small)
    assert load_image(small).shape == (4, 5, 3)


def test_folders_and_missing_files(tmp_path):
    for _, reader in READERS:
        with pytest.raises(IsADirectoryError, match="is a directory"):
            reader(tmp_path)
        with pytest.raises(FileNotFoundError, match="nope.png"):
            reader(tmp_path / "nope.png")


def test_modcrop_properties():
    rng = np.random.default_rng(SEED)
    scales = [0, -1, 1, 2, 3, 4, 5, 8, np.int64(3), 2.0, 2.5, float("nan"), float("inf"), True, "2", None]
    for _ in range(200):
        img = np.zeros((int(rng.integers(1, 40)), int(rng.integers(1, 40)), 3), np.uint8)
        scale = scales[int(rng.integers(len(scales)))]
        try:
            out = modcrop(img, scale)
        except ValueError as e:
            ok_scale = isinstance(scale, (int, np.integer, float)) and not isinstance(scale, bool) \
                and bool(np.isfinite(scale)) and float(scale).is_integer() and scale >= 1
            assert "scale" in str(e)
            if ok_scale:  # a valid scale fails only for an image smaller than it
                assert min(img.shape[:2]) < scale
            continue
        s = int(scale)
        assert out.shape[0] % s == 0 and out.shape[1] % s == 0
        assert 0 <= img.shape[0] - out.shape[0] < s and 0 <= img.shape[1] - out.shape[1] < s
    with pytest.raises(ValueError, match="`scale`"):
        modcrop(np.zeros((4, 4)), 0)
