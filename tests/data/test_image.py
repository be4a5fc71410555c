"""srgan_cpp.image: NumPy <-> tensor conversion and image files."""
from __future__ import annotations

import os
import stat

import numpy as np
import pytest
import torch
from PIL import Image

from srgan_cpp.image import load_image, save_image, to_numpy, to_tensor


def _rand(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "u":
        return rng.integers(0, np.iinfo(dtype).max + 1, size=shape, dtype=dtype)
    return rng.random(shape).astype(dtype)


def _temps(folder):
    return [n for n in os.listdir(folder) if n.startswith(".tmp")]


# ---------------------------------------------------------------------------- to_tensor
@pytest.mark.parametrize("shape, expected", [
    ((5, 7), (1, 5, 7)),
    ((5, 7, 1), (1, 5, 7)),
    ((5, 7, 3), (3, 5, 7)),
    ((5, 7, 4), (4, 5, 7)),
    ((2, 5, 7, 3), (2, 3, 5, 7)),
    ((2, 5, 7, 1), (2, 1, 5, 7)),
])
def test_to_tensor_layouts(shape, expected):
    img = _rand(shape, np.uint8)
    t = to_tensor(img)
    assert tuple(t.shape) == expected
    assert t.dtype == torch.float32 and t.is_contiguous()
    # Channels really move: pixel (y=1, x=2) of channel c is img[..., 1, 2, c].
    if len(shape) == 3:
        np.testing.assert_allclose(t[:, 1, 2].numpy(), img[1, 2, :] / 255.0, rtol=1e-6)
    if len(shape) == 4:
        np.testing.assert_allclose(t[1, :, 1, 2].numpy(), img[1, 1, 2, :] / 255.0, rtol=1e-6)


def test_to_tensor_uint8_range_and_values():
    img = np.arange(256, dtype=np.uint8).reshape(16, 16)
    t = to_tensor(img)
    assert t.min().item() == 0.0 and t.max().item() == 1.0
    np.testing.assert_allclose(t[0].numpy(), img / 255.0, rtol=1e-6)


def test_to_tensor_uint16_range_and_values():
    img = np.array([[0, 1, 257], [32768, 65534, 65535]], dtype=np.uint16)
    t = to_tensor(img, dtype=torch.float64)
    assert t.dtype == torch.float64
    np.testing.assert_array_equal(t[0].numpy(), img / 65535.0)
    assert t.max().item() == 1.0


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_to_tensor_float_kept_as_is(dtype):
    img = np.array([[-0.5, 0.25], [1.0, 2.0]], dtype=dtype)  # out of range on purpose: no rescale, no clamp
    t = to_tensor(img, dtype=torch.float64)
    np.testing.assert_array_equal(t[0].numpy(), img.astype(np.float64))


def test_to_tensor_never_shares_memory():
    img = np.zeros((4, 4), np.float32)
    t = to_tensor(img)
    img[0, 0] = 1.0
    assert t[0, 0, 0].item() == 0.0


def test_to_tensor_non_contiguous_input():
    img = _rand((8, 10, 3), np.uint8)[::2, ::-1]
    t = to_tensor(img)
    assert t.is_contiguous()
    np.testing.assert_allclose(t.permute(1, 2, 0).numpy(), img / 255.0, rtol=1e-6)


def test_to_tensor_dtype_and_device():
    t = to_tensor(_rand((3, 3, 3), np.uint8), dtype=torch.float16, device="cpu")
    assert t.dtype == torch.float16 and t.device.type == "cpu"


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int32, np.int64, np.uint32, np.float16, np.complex64])
def test_to_tensor_rejects_dtype(dtype):
    with pytest.raises(TypeError, match=r"`img`.*uint8, uint16, float32 or float64"):
        to_tensor(np.zeros((4, 4, 3), dtype=dtype))


@pytest.mark.parametrize("shape", [(4,), (1, 1, 4, 4, 3), (4, 4, 2), (4, 4, 5), (3, 5, 7), (2, 4, 4, 2)])
def test_to_tensor_rejects_shape(shape):
    with pytest.raises(ValueError, match="`img`"):
        to_tensor(np.zeros(shape, np.uint8))


def test_to_tensor_rejects_non_array_and_int_dtype():
    with pytest.raises(TypeError, match="numpy.ndarray"):
        to_tensor([[0, 1], [2, 3]])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="`dtype`"):
        to_tensor(np.zeros((2, 2), np.uint8), dtype=torch.int32)


# ---------------------------------------------------------------------------- to_numpy
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
@pytest.mark.parametrize("shape", [(6, 5), (6, 5, 1), (6, 5, 3), (6, 5, 4), (2, 6, 5, 3), (2, 6, 5, 1)])
def test_round_trip_integer_exact(dtype, shape):
    img = _rand(shape, dtype, seed=len(shape))
    for tdtype in (torch.float32, torch.float64):
        back = to_numpy(to_tensor(img, dtype=tdtype), dtype=dtype, squeeze_gray=len(shape) == 2)
        assert back.dtype == dtype
        np.testing.assert_array_equal(back, img)


def test_round_trip_all_uint16_values_float32():
    img = np.arange(65536, dtype=np.uint16).reshape(256, 256)
    np.testing.assert_array_equal(to_numpy(to_tensor(img), dtype=np.uint16), img)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_round_trip_float(dtype):
    img = _rand((6, 5, 3), dtype)
    back = to_numpy(to_tensor(img, dtype=torch.float64), dtype=dtype)
    assert back.dtype == dtype
    np.testing.assert_array_equal(back, img)


def test_to_numpy_clamps_and_rounds():
    t = torch.tensor([[-0.3, 0.0, 0.5 / 255, 1.49 / 255, 1.51 / 255, 0.999, 1.0, 7.0]])
    assert to_numpy(t).tolist() == [[0, 0, 0, 1, 2, 255, 255, 255]]  # 0.5 ties to even -> 0
    assert to_numpy(t, dtype=np.uint16)[0, -1] == 65535


def test_to_numpy_float_unclamped():
    t = torch.tensor([[[-0.5, 1.5]]])
    out = to_numpy(t, dtype=np.float32)
    assert out.dtype == np.float32 and out.shape == (1, 2)
    np.testing.assert_array_equal(out, [[-0.5, 1.5]])


def test_to_numpy_squeeze_gray_defaults():
    assert to_numpy(torch.rand(1, 4, 5)).shape == (4, 5)
    assert to_numpy(torch.rand(1, 4, 5), squeeze_gray=False).shape == (4, 5, 1)
    assert to_numpy(torch.rand(2, 1, 4, 5)).shape == (2, 4, 5, 1)
    assert to_numpy(torch.rand(2, 1, 4, 5), squeeze_gray=True).shape == (2, 4, 5)
    assert to_numpy(torch.rand(4, 5)).shape == (4, 5)
    assert to_numpy(torch.rand(3, 4, 5)).shape == (4, 5, 3)
    assert to_numpy(torch.rand(3, 4, 5), squeeze_gray=True).shape == (4, 5, 3)


def test_to_numpy_layout():
    t = torch.rand(2, 3, 4, 5)
    out = to_numpy(t, dtype=np.float32)
    assert out.shape == (2, 4, 5, 3) and out.flags.c_contiguous
    assert out[1, 2, 3, 0] == t[1, 0, 2, 3].item()


def test_to_numpy_accepts_half_and_grad():
    t = torch.rand(3, 4, 4, requires_grad=True)
    assert to_numpy(t.half()).dtype == np.uint8
    assert to_numpy(t * 2, dtype=np.float64).dtype == np.float64


def test_to_numpy_rejects():
    with pytest.raises(TypeError, match="torch.Tensor"):
        to_numpy(np.zeros((3, 4, 4)))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="floating-point"):
        to_numpy(torch.zeros(3, 4, 4, dtype=torch.uint8))
    with pytest.raises(TypeError, match="`dtype`"):
        to_numpy(torch.zeros(3, 4, 4), dtype=np.int32)
    with pytest.raises(ValueError, match="C in"):
        to_numpy(torch.zeros(2, 4, 4))
    with pytest.raises(ValueError, match="2, 3 or 4 dims"):
        to_numpy(torch.zeros(4))
    with pytest.raises(ValueError, match="NaN"):
        to_numpy(torch.full((1, 2, 2), float("nan")))


# ---------------------------------------------------------------------------- files
@pytest.mark.parametrize("shape, ext", [(s, e) for e in (".png", ".bmp", ".tif") for s in ((9, 11), (9, 11, 3), (9, 11, 4))
                                         if not (e == ".bmp" and len(s) == 3 and s[2] == 4)])  # Pillow's BMP drops alpha
def test_save_load_uint8_lossless(tmp_path, shape, ext):
    img = _rand(shape, np.uint8)
    p = tmp_path / f"x{ext}"
    save_image(p, img)
    mode = "L" if len(shape) == 2 else ("RGBA" if shape[2] == 4 else "RGB")
    back = load_image(p, mode=mode)
    assert back.dtype == np.uint8
    np.testing.assert_array_equal(back, img)
    np.testing.assert_array_equal(load_image(p, mode=None), img)
    assert _temps(tmp_path) == []


def test_load_modes_convert(tmp_path):
    gray = _rand((6, 7), np.uint8)
    save_image(tmp_path / "g.png", gray)
    rgb = load_image(tmp_path / "g.png")  # default RGB
    assert rgb.shape == (6, 7, 3) and (rgb == gray[..., None]).all()
    rgba = load_image(tmp_path / "g.png", mode="RGBA")
    assert rgba.shape == (6, 7, 4) and (rgba[..., 3] == 255).all()
    col = _rand((6, 7, 4), np.uint8)
    save_image(tmp_path / "c.png", col)
    assert load_image(tmp_path / "c.png").shape == (6, 7, 3)
    assert load_image(tmp_path / "c.png", mode="L").shape == (6, 7)


def test_load_palette_and_bilevel(tmp_path):
    Image.new("P", (5, 4), 3).save(tmp_path / "p.png")
    assert load_image(tmp_path / "p.png", mode=None).shape == (4, 5, 3)
    Image.new("1", (5, 4), 1).save(tmp_path / "b.png")
    b = load_image(tmp_path / "b.png", mode=None)
    assert b.shape == (4, 5) and (b == 255).all()


def test_sixteen_bit_png_round_trip(tmp_path):
    img = np.array([[0, 1, 255, 256], [1000, 30000, 65534, 65535]], dtype=np.uint16)
    p = tmp_path / "d.png"
    save_image(p, img)
    with Image.open(p) as im:  # really a 16-bit file
        assert im.mode.startswith("I")
    for mode in (None, "L"):
        back = load_image(p, mode=mode)
        assert back.dtype == np.uint16
        np.testing.assert_array_equal(back, img)
    rgba = load_image(p, mode="RGBA")
    assert rgba.dtype == np.uint16 and rgba.shape == (2, 4, 4)
    np.testing.assert_array_equal(rgba[..., 1], img)
    assert (rgba[..., 3] == 65535).all()
    # and through tensors, exactly
    np.testing.assert_array_equal(to_numpy(to_tensor(load_image(p, mode=None)), dtype=np.uint16), img)


def test_sixteen_bit_colour_png_round_trip(tmp_path):
    """16-bit RGB/RGBA PNGs keep all 16 bits (Pillow alone would give 8): checked against
    the samples as stored in the file, decoded here with zlib independently of pypng."""
    import zlib
    img = _rand((5, 7, 3), np.uint16, seed=4)
    p = tmp_path / "c.png"
    save_image(p, img)
    raw = p.read_bytes()
    assert raw[24] == 16 and raw[25] == 2  # IHDR: 16-bit RGB
    idat = b"".join(raw[i + 8:i + 8 + int.from_bytes(raw[i:i + 4], "big")]
                    for i in range(8, len(raw) - 12) if raw[i + 4:i + 8] == b"IDAT")
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(5, 1 + 7 * 6)
    assert (rows[:, 0] == 0).all()  # filter type None: the bytes are the samples, big-endian
    np.testing.assert_array_equal(rows[:, 1:].copy().view(">u2").reshape(5, 7, 3), img)
    for mode, want in ((None, img), ("RGB", img)):
        back = load_image(p, mode=mode)
        assert back.dtype == np.uint16
        np.testing.assert_array_equal(back, want)
    rgba = load_image(p, mode="RGBA")
    assert rgba.shape == (5, 7, 4) and (rgba[..., 3] == 65535).all()
    gray = load_image(p, mode="L")
    want = np.floor(img.astype(np.float64) @ np.array([0.299, 0.587, 0.114]) + 0.5)
    np.testing.assert_array_equal(gray, want.astype(np.uint16))
    save_image(tmp_path / "a.png", rgba)
    np.testing.assert_array_equal(load_image(tmp_path / "a.png", mode=None), rgba)


def test_save_tensor(tmp_path):
    t = torch.rand(3, 5, 6)
    save_image(tmp_path / "t.png", t)
    np.testing.assert_array_equal(load_image(tmp_path / "t.png"), to_numpy(t))


def test_save_jpeg_kwargs(tmp_path):
    img = _rand((16, 16, 3), np.uint8)
    save_image(tmp_path / "a.jpg", img, quality=95)
    assert load_image(tmp_path / "a.jpg").shape == (16, 16, 3)


def test_save_rejects(tmp_path):
    with pytest.raises(TypeError, match="uint8 or uint16"):
        save_image(tmp_path / "f.png", np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ValueError, match="16-bit colour images can only be written as PNG"):
        save_image(tmp_path / "f.tif", np.zeros((4, 4, 3), np.uint16))
    with pytest.raises(ValueError, match="HW or HWC"):
        save_image(tmp_path / "f.png", np.zeros((2, 4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="C in"):
        save_image(tmp_path / "f.png", np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ValueError, match="extension"):
        save_image(tmp_path / "f.unknownext", np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="JPEG"):
        save_image(tmp_path / "f.jpg", np.zeros((4, 4, 4), np.uint8))  # RGBA cannot be JPEG
    with pytest.raises(FileNotFoundError):
        save_image(tmp_path / "nope" / "f.png", np.zeros((4, 4), np.uint8))
    assert sorted(os.listdir(tmp_path)) == []  # nothing written, no temp files


def test_save_is_atomic_on_failure(tmp_path, monkeypatch):
    p = tmp_path / "keep.png"
    old = _rand((8, 8, 3), np.uint8, seed=1)
    save_image(p, old)

    def boom(self, fp, *a, **k):
        fp.write(b"\x89PNG partial")
        raise OSError("disk full")

    monkeypatch.setattr(Image.Image, "save", boom)
    with pytest.raises(ValueError, match="disk full"):
        save_image(p, _rand((8, 8, 3), np.uint8, seed=2))
    monkeypatch.undo()
    np.testing.assert_array_equal(load_image(p), old)  # old file untouched
    assert _temps(tmp_path) == []

    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        save_image(p, _rand((8, 8, 3), np.uint8, seed=3))
    monkeypatch.undo()
    np.testing.assert_array_equal(load_image(p), old)
    assert _temps(tmp_path) == []


def test_save_replaces_and_has_normal_permissions(tmp_path):
    p = tmp_path / "x.png"
    save_image(p, np.zeros((4, 4), np.uint8))
    save_image(p, np.full((4, 4), 9, np.uint8))
    assert (load_image(p, mode="L") == 9).all()
    mode = stat.S_IMODE(os.stat(p).st_mode)
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask
    assert sorted(os.listdir(tmp_path)) == ["x.png"]


def test_load_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.png"):
        load_image(tmp_path / "missing.png")


def test_load_directory(tmp_path):
    with pytest.raises(IsADirectoryError):
        load_image(tmp_path)


def test_load_corrupt_and_truncated(tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"this is not an image at all")
    with pytest.raises(ValueError, match="bad.png"):
        load_image(bad)
    good = tmp_path / "good.png"
    save_image(good, _rand((64, 64, 3), np.uint8))
    data = good.read_bytes()
    trunc = tmp_path / "trunc.png"
    trunc.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="trunc.png"):
        load_image(trunc)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.png"):
        load_image(empty)


def test_load_rejects_bad_mode_and_float_images(tmp_path):
    save_image(tmp_path / "a.png", np.zeros((2, 2), np.uint8))
    with pytest.raises(ValueError, match="`mode`"):
        load_image(tmp_path / "a.png", mode="CMYK")
    Image.fromarray(np.zeros((3, 3), np.float32)).save(tmp_path / "f.tif")
    with pytest.raises(ValueError, match="f.tif"):
        load_image(tmp_path / "f.tif")
