"""Image files: EXIF orientation, ICC / EXIF carried, 16-bit by the file's depth, bad files,
decompression bombs, the streaming PNG writer and atomic writes."""
from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import png
import pytest
from PIL import Image, ImageOps

import srgan_cpp
from srgan_cpp.upscale import Upscaler
from srgan_cpp.upscale.image_io import read_picture, write_picture
from srgan_cpp.upscale.png_writer import write_png
from upscale_helpers import random_image

ICC = b"\x00\x00\x02\x0cfake-icc-profile" * 8


def _exif(orientation=None, make="TestCam"):
    ex = Image.Exif()
    ex[0x010F] = make
    if orientation is not None:
        ex[0x0112] = orientation
    return ex


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_like_pillow(tmp_path, orientation):
    img = random_image(10, 16)
    path = tmp_path / "o.jpg"
    Image.fromarray(img).save(path, exif=_exif(orientation).tobytes(), quality=100)
    with Image.open(path) as im:
        expected = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    pic = read_picture(path)
    np.testing.assert_array_equal(pic.pixels, expected)
    kept = Image.Exif()
    kept.load(pic.exif)
    assert 0x0112 not in kept and kept[0x010F] == "TestCam"  # upright now: the tag is gone, the rest stays


@pytest.mark.parametrize("fmt,ext", [("png", ".png"), ("jpg", ".jpg"), ("webp", ".webp"), ("tif", ".tif")])
def test_icc_and_exif_reach_the_output(tmp_path, srvgg, fmt, ext):
    src = tmp_path / "in.jpg"
    Image.fromarray(random_image(12, 14)).save(src, exif=_exif(6).tobytes(), icc_profile=ICC)
    dst = tmp_path / f"out{ext}"
    stats = Upscaler(srvgg).run_file(src, dst)
    assert stats.output_size == (24, 28)  # rotated by the orientation: 14x12 upright, then x2
    with Image.open(dst) as im:
        assert im.size == (24, 28)
        assert im.info.get("icc_profile") == ICC
        if fmt != "tif":
            ex = im.getexif()
            assert ex.get(0x010F) == "TestCam" and 0x0112 not in ex  # EXIF kept, orientation no longer needed


def test_sixteen_bit_is_decided_by_the_file_not_the_values(tmp_path, srvgg):
    dark = np.full((10, 12, 3), 40, np.uint16)  # a 16-bit file whose values all fit in 8 bits
    path = tmp_path / "dark16.png"
    with open(path, "wb") as f:
        write_png(f, dark)
    pic = read_picture(path)
    assert pic.pixels.dtype == np.uint16 and pic.pixels.max() == 40
    out = tmp_path / "out.png"
    Upscaler(srvgg).run_file(path, out)
    assert read_picture(out).pixels.dtype == np.uint16
    gray = tmp_path / "gray16.png"
    Image.fromarray(np.full((10, 12), 1000, np.uint16)).save(gray)
    assert read_picture(gray).pixels.dtype == np.uint16


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_png_writer_round_trips_exactly(channels, dtype):
    img = random_image(70, 33, channels, dtype)  # > 64 rows: several compressed steps
    f = io.BytesIO()
    write_png(f, img, icc_profile=ICC, exif=_exif().tobytes())
    f.seek(0)
    w, h, rows, info = png.Reader(file=f).asDirect()
    got = np.vstack([np.asarray(r, dtype=np.uint32) for r in rows]).reshape(h, w, info["planes"])
    np.testing.assert_array_equal(got, img)
    f.seek(0)
    with Image.open(f) as im:
        im.load()
        assert im.info.get("icc_profile") == ICC and im.getexif().get(0x010F) == "TestCam"


def _idat_stream(data: bytes) -> bytes:
    """The concatenated IDAT payloads of a PNG file's bytes."""
    out, pos = b"", 8
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if kind == b"IDAT":
            out += data[pos + 8:pos + 8 + n]
        pos += 12 + n
    return out


@pytest.mark.parametrize("channels,dtype", [(1, np.uint8), (3, np.uint8), (4, np.uint16)])
@pytest.mark.parametrize("level", [0, 1, 9])
def test_png_writer_bands_join_into_one_zlib_stream(monkeypatch, channels, dtype, level):
    # Small bands force many independently deflated pieces (the parallel path); the joined
    # stream must be one valid zlib stream (checked Adler-32) that decodes to the image, and
    # the bytes must not depend on how many threads deflated them.
    import srgan_cpp.upscale.png_writer as pw
    monkeypatch.setattr(pw, "_ROWS_PER_STEP", 3)
    monkeypatch.setattr(pw, "_BAND_BYTES", 200)
    img = random_image(50, 21, channels, dtype)
    files = []
    for threads in (1, 3):
        f = io.BytesIO()
        write_png(f, img, compress_level=level, threads=threads)
        files.append(f.getvalue())
    assert files[0] == files[1]
    raw = zlib.decompress(_idat_stream(files[0]))  # raises on a bad header, block or checksum
    assert len(raw) == 50 * (21 * channels * np.dtype(dtype).itemsize + 1)
    w, h, rows, info = png.Reader(bytes=files[0]).asDirect()
    got = np.vstack([np.asarray(r, dtype=np.uint32) for r in rows]).reshape(h, w, info["planes"])
    np.testing.assert_array_equal(got, img.reshape(50, 21, channels))


def test_png_level_reaches_the_file_and_is_checked(tmp_path):
    img = np.tile(np.arange(64, dtype=np.uint8), (64, 3)).reshape(64, 64, 3)  # compressible
    sizes = {}
    for level in (0, 9):
        write_picture(tmp_path / f"l{level}.png", img, "png", png_level=level)
        sizes[level] = (tmp_path / f"l{level}.png").stat().st_size
        np.testing.assert_array_equal(read_picture(tmp_path / f"l{level}.png").pixels, img)
    assert sizes[0] > 3 * sizes[9]  # level 0 stores, level 9 deflates
    for bad in (-1, 10, 1.5, True):
        with pytest.raises(ValueError, match="compress_level"):
            write_png(io.BytesIO(), img, compress_level=bad)


def test_write_rules(tmp_path):
    rgba = random_image(8, 8, 4)
    with pytest.raises(ValueError, match="JPEG cannot store the alpha"):
        write_picture(tmp_path / "a.jpg", rgba, "jpg")
    with pytest.raises(ValueError, match="16-bit colour TIFF"):
        write_picture(tmp_path / "a.tif", random_image(8, 8, 3, np.uint16), "tif")
    with pytest.warns(UserWarning, match="rounded to 8 bits"):
        write_picture(tmp_path / "a.webp", random_image(8, 8, 3, np.uint16), "webp")
    assert not list(tmp_path.glob(".tmp-*"))


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    dst = tmp_path / "keep.png"
    dst.write_bytes(b"old content")
    import srgan_cpp.upscale.image_io as io_mod

    def broken(f, img, **kw):
        f.write(b"partial")
        raise OSError("disk full")
    monkeypatch.setattr(io_mod, "write_png", broken)
    with pytest.raises(OSError, match="disk full"):
        write_picture(dst, random_image(8, 8), "png")
    assert dst.read_bytes() == b"old content" and not list(tmp_path.glob(".tmp-*"))


def _png_bomb(path, width=100_000, height=100_000):
    """A valid PNG header declaring a huge image, followed by a tiny IDAT: a decompression bomb."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


def test_decompression_bomb_is_refused_quickly(tmp_path):
    bomb = tmp_path / "bomb.png"
    _png_bomb(bomb)
    start = time.perf_counter()
    with pytest.raises(ValueError, match="100000x100000.*decompression bomb"):
        read_picture(bomb)
    assert time.perf_counter() - start < 5  # refused from the header: nothing was allocated or decoded
    jpg = tmp_path / "big.jpg"
    Image.fromarray(random_image(40, 50)).save(jpg)
    with pytest.raises(ValueError, match="50x40 = 2000 pixels, more than the limit of 1000"):
        read_picture(jpg, max_pixels=1000)


def test_bad_files_name_the_file(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.png.*0 bytes"):
        read_picture(empty)
    good = tmp_path / "t.png"
    Image.fromarray(random_image(40, 40)).save(good)
    trunc = tmp_path / "truncated.png"
    trunc.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match="truncated.png.*cannot read"):
        read_picture(trunc)
    text = tmp_path / "notes.png"
    text.write_text("hello")
    with pytest.raises(ValueError, match="notes.png"):
        read_picture(text)
    with pytest.raises(IsADirectoryError, match="folder"):
        read_picture(tmp_path)
    with pytest.raises(FileNotFoundError):
        read_picture(tmp_path / "missing.png")


def test_modes_are_read_with_alpha_where_the_file_has_transparency(tmp_path):
    pal = Image.fromarray(random_image(6, 7)).convert("P")
    pal.info["transparency"] = 0
    pal.save(tmp_path / "p.png", transparency=0)
    assert read_picture(tmp_path / "p.png").pixels.shape == (6, 7, 4)
    Image.fromarray(random_image(6, 7)).convert("LA").save(tmp_path / "la.png")
    assert read_picture(tmp_path / "la.png").pixels.shape == (6, 7, 2)
    Image.fromarray(random_image(6, 7)).convert("1").save(tmp_path / "bw.png")
    assert read_picture(tmp_path / "bw.png").pixels.shape == (6, 7, 1)
    Image.fromarray(random_image(6, 7)).convert("CMYK").save(tmp_path / "c.jpg")
    assert read_picture(tmp_path / "c.jpg").pixels.shape == (6, 7, 3)
